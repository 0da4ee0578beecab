"""Model ids as exports write them, turned into the ids the price catalog may know (used by Catalog.resolve).

An export rarely names a model the way a price list does: `claude-sonnet-4-20250514`, `gpt-4o-2024-08-06`,
`openai/gpt-4o`, `bedrock/us-west-2/qwen.qwen3-coder-next`, `us.anthropic.claude-sonnet-4-5-20250929-v1:0`,
`ft:gpt-4o-2024-08-06:acme::9xYz`, `claude-sonnet-4.5`. `forms(model)` lists what to look up, most specific first,
each with the steps that led to it; `Catalog.resolve` (catalog.py) looks every form up under the call's provider
first, then under any provider, and takes a catalog id the form extends with a date or version suffix (`SUFFIX`).
The rules, with examples, are in specs/data-schema.md ("Prices").
"""
import re
from typing import List, Optional, Tuple

# Provider names as other tools write them -> the provider ids of our catalog and CSV.
PROVIDER_ALIASES = {
    "openai": "openai", "text-completion-openai": "openai", "anthropic": "anthropic", "bedrock": "bedrock",
    "aws.bedrock": "bedrock", "aws_bedrock": "bedrock", "bedrock_converse": "bedrock", "aws bedrock": "bedrock",
    "amazon bedrock": "bedrock", "azure": "azure", "azure_ai": "azure", "azure.ai.openai": "azure",
    "azure.ai.inference": "azure", "az.ai.openai": "azure", "az.ai.inference": "azure", "azure openai": "azure",
    "google": "google", "gemini": "google", "vertex_ai": "google", "vertex_ai_beta": "google",
    "vertex_ai-language-models": "google", "vertex ai": "google", "gcp.gemini": "google", "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google", "mistral": "mistral", "mistral_ai": "mistral", "mistral ai": "mistral",
    "codestral": "mistral", "cohere": "cohere", "cohere_chat": "cohere",
}
# What may follow a catalog id in a provider's dated or versioned id: -20250514, -2024-08-06, -0613, -2411, -001,
# -08-2024, -v1:0, -v2, -1:0, :1, @20250514, -latest, -preview-06-17, -exp-0827.
SUFFIX = re.compile(r"^(?:-\d{4}(?:-?\d{2}-?\d{2})?|-\d{3}|-\d{2}-\d{4}|-v\d[\w.]*|-\d+:\d+|:\d+|@[\w.-]+|-latest"
                    r"|-preview[\w.-]*|-exp[\w.-]*)+$")
# Bedrock cross-region inference profiles put a geography before the model id.
REGIONS = ("us-gov.", "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "sa.")
# Bedrock model ids start with the model's vendor.
VENDORS = ("anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.", "openai.", "qwen.", "deepseek.",
           "writer.", "google.", "moonshot.", "moonshotai.", "minimax.", "twelvelabs.", "stability.")
Form = Tuple[str, Tuple[str, ...], bool, Optional[str]]  # (id, steps that led to it, fine-tuned, provider hint)


def provider_id(name: object) -> str:
    """Our lowercase provider id for another tool's provider name ('' when none): vertex_ai -> google."""
    s = str(name or "").strip().lower()
    return PROVIDER_ALIASES.get(s, s)


def fine_tuned_base(model: str) -> Optional[str]:
    """The base model of a fine-tuned id, else None: OpenAI `ft:BASE:org:name:id` (and the older `BASE:ft-org-...`),
    Azure OpenAI `BASE.ft-JOBID`."""
    if model.startswith("ft:"):
        base = model[3:].split(":", 1)[0]
        return base or None
    for mark in (":ft-", ".ft-"):
        if mark in model:
            return model.split(mark, 1)[0] or None
    return None


def _path(form: str) -> List[Tuple[str, Optional[str]]]:
    """The ids left after dropping leading path segments (openai/gpt-4o -> gpt-4o), with the provider that the
    first segment names, if it names one."""
    parts = form.split("/")
    if len(parts) < 2:
        return []
    head = provider_id(parts[0])
    hint = head if head in PROVIDER_ALIASES.values() else None
    return [("/".join(parts[i:]), hint) for i in range(1, len(parts)) if parts[i]]


def _strip(form: str, prefixes: Tuple[str, ...]) -> Optional[str]:
    for p in prefixes:
        if form.startswith(p) and len(form) > len(p):
            return form[len(p):]
    return None


def forms(model: str) -> List[Form]:
    """What to look up for `model`, most specific first: the id itself, its fine-tuned base, then each id left by
    dropping a path prefix, a Bedrock region, a vendor prefix, and with dots written as dashes."""
    out = []  # type: List[Form]
    seen = set()

    def add(form: str, steps: Tuple[str, ...], tuned: bool, hint: Optional[str]) -> None:
        if form and form not in seen:
            seen.add(form)
            out.append((form, steps, tuned, hint))

    add(model.strip().lower(), (), False, None)
    base = fine_tuned_base(model.strip().lower())
    if base:
        add(base, ("fine-tuned",), True, None)
    for rule in ("prefixed", "region", "vendor", "dots"):
        for form, steps, tuned, hint in list(out):
            if rule == "prefixed":
                for rest, h in _path(form):
                    add(rest, steps + (rule,), tuned, h or hint)
            elif rule == "dots":
                if "." in form and not form.startswith(VENDORS):
                    add(form.replace(".", "-"), steps + (rule,), tuned, hint)
            else:
                rest = _strip(form, REGIONS if rule == "region" else VENDORS)
                if rest:
                    add(rest, steps + (rule,), tuned, hint)
    return out


def family_cuts(form: str) -> List[Tuple[str, str]]:
    """(catalog id, suffix) splits of `form` where the suffix is a date or version suffix, longest id first."""
    cuts = []
    for i in range(len(form) - 1, 0, -1):
        if form[i] in "-:@" and SUFFIX.match(form[i:]):
            cuts.append((form[:i], form[i:]))
    return cuts


def bare(model_id: str) -> Optional[str]:
    """A Bedrock-style id without its vendor (anthropic.claude-v2 -> claude-v2), else None."""
    return _strip(model_id.lower(), VENDORS)
