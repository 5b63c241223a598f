"""Stand-in for omegaconf: openaimodel.py only checks whether a config value is a ListConfig."""
