"""hanmodel: a small sovereign language model written from scratch for the scratch-audit samples."""
