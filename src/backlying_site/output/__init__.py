"""Where a build's files go: the atomic writer (two generations, one swap) and the search index."""
