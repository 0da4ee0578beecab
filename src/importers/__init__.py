"""Importers of usage exports a user already has (OpenAI, Anthropic, LiteLLM, OTLP GenAI traces, OpenMeter CSV).

Each module has `read(path, imp)`, which adds the calls of one input file to a `common.Import`, and `NOTES`,
what the source cannot tell us. See specs/data-schema.md, "Importing usage exports".
"""
SOURCES = ("openai", "anthropic", "litellm", "otlp", "openmeter")
