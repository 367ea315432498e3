"""The questions pages ask about a scope, and their answers: in memory (the model) or on an engine."""
