"""Reading the site: its files, parsed and validated into the content model, or problems."""
