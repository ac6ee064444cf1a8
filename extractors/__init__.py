"""Everything that reads PDFs. Only this package opens PDF files."""
