"""Statistics of the cooperation (issue 17): loading the facts from the store and building the figures."""
