"""The findings report: an HTML page and an xlsx workbook with cropped evidence images and charts, offline."""
