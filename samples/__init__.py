"""Faithful sample PDFs of the AMN VP 2022 and VB 2022, their source data, ground truth and variants."""
