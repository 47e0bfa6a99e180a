"""Domain rules of the cooperation: identifiers and other values that do not depend on a message format."""
