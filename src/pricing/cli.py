"""The price flags every command shares: --prices FILE (on top of the built-in catalog) and --prices-alone."""
from typing import Any

from pricing.catalog import Catalog, load_catalog

FORMATS = "our JSON, a CSV provider,model,input_per_1m,output_per_1m[,...], or LiteLLM's price map as it is"


def add_price_arguments(parser: Any, what: str = "") -> None:
    """Add --prices and --prices-alone to an argparse parser; `what` says what the prices are for."""
    parser.add_argument("--prices", metavar="FILE", default=None,
                        help="price file over the built-in catalog (%s)%s" % (FORMATS, ": " + what if what else ""))
    parser.add_argument("--prices-alone", action="store_true",
                        help="use the --prices file by itself, without the built-in catalog")


def catalog_from_args(args: Any) -> Catalog:
    """The run's catalog from parsed --prices / --prices-alone."""
    return load_catalog(getattr(args, "prices", None), bool(getattr(args, "prices_alone", False)))
