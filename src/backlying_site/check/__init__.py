"""What a careful editor would catch: the warnings `check` adds to the build's errors."""
