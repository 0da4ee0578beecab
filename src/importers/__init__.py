"""Importers of usage exports a user already has (OpenAI, Anthropic, LiteLLM, OTLP GenAI traces, OpenMeter).

Each source module has `read(path, imp)`, which adds the calls of one input file to a `calls.Import`; `NOTES`, what
the source cannot tell us; `NO_MODEL`, how to export a model when records lack one; and `CUSTOMER_FIELDS`, the
default order of the fields that become customer_id (--customer-from puts another first). `common` holds input
checks and readers, `calls` the exact splitting and pricing, `billing` the --costs matching. See
specs/data-schema.md, "Importing usage exports".
"""
SOURCES = ("openai", "anthropic", "litellm", "otlp", "openmeter")
