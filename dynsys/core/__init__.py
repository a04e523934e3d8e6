"""Model -> System: the one symbolic -> numeric boundary.

Symbols and the Model (:mod:`~dynsys.core.symbols`, :mod:`~dynsys.core.model`), the
``.ode`` reader and writer (:mod:`~dynsys.core.odefile`), the compiled System
(:mod:`~dynsys.core.system`), derivative tensors, regions, and loading by name or path
(:mod:`~dynsys.core.loading`). The only package that calls ``sympy.lambdify``.
"""

from dynsys.core.derivatives import (
    SYMBOLIC_MAX_STATES as SYMBOLIC_MAX_STATES,
    Derivatives as Derivatives,
    derivatives as derivatives,
)
from dynsys.core.events import Event as Event, refuse_hybrid as refuse_hybrid
from dynsys.core.loading import (
    import_python_file as import_python_file,
    load_model as load_model,
    model_module as model_module,
    model_names as model_names,
)
from dynsys.core.model import (
    Model as Model,
)
from dynsys.core.network_file import (
    ACTIVATION_FUNCTIONS as ACTIVATION_FUNCTIONS,
    MAX_DENSE_ENTRIES as MAX_DENSE_ENTRIES,
    MAX_NETWORK_UNITS as MAX_NETWORK_UNITS,
    MAX_SPARSE_ENTRIES as MAX_SPARSE_ENTRIES,
    WEIGHT_SUFFIXES as WEIGHT_SUFFIXES,
    load_weights as load_weights,
    network_from_weights as network_from_weights,
    parse_activation as parse_activation,
    read_network as read_network,
)
from dynsys.core.network_ode import (
    NETWORK_MIN_UNITS as NETWORK_MIN_UNITS,
    NetworkForm as NetworkForm,
    recognize_rate_network as recognize_rate_network,
)
from dynsys.core.odefile import (
    MAX_DEPTH as MAX_DEPTH,
    MAX_NODES as MAX_NODES,
    MAX_TEXT as MAX_TEXT,
    IgnoredOptionWarning as IgnoredOptionWarning,
    OdeSpec as OdeSpec,
    format_ode as format_ode,
    read_ode as read_ode,
)
from dynsys.core.rate_network import (
    DENSE_JACOBIAN_STATES as DENSE_JACOBIAN_STATES,
    RateNetwork as RateNetwork,
)
from dynsys.core.region import (
    DEFAULT_HALF_WIDTH as DEFAULT_HALF_WIDTH,
    DefaultRegionWarning as DefaultRegionWarning,
    check_region as check_region,
    infer_region as infer_region,
    region_bounds as region_bounds,
    resolve_region as resolve_region,
)
from dynsys.core.symbols import (
    NON_SMOOTH_FUNCTIONS as NON_SMOOTH_FUNCTIONS,
    heav as heav,
    symbols as symbols,
    time_symbol as time_symbol,
)
from dynsys.core.system import (
    CompiledSystem as CompiledSystem,
    System as System,
    compile as compile,
    numeric_function as numeric_function,
    require_autonomous as require_autonomous,
    resolve_params as resolve_params,
)
from dynsys.core.tables import (
    MAX_TABLE_POINTS as MAX_TABLE_POINTS,
    TableLookup as TableLookup,
    lookup as lookup,
    table as table,
)

__all__ = [
    "ACTIVATION_FUNCTIONS",
    "DEFAULT_HALF_WIDTH",
    "DENSE_JACOBIAN_STATES",
    "MAX_DENSE_ENTRIES",
    "MAX_DEPTH",
    "MAX_NETWORK_UNITS",
    "MAX_NODES",
    "MAX_SPARSE_ENTRIES",
    "MAX_TABLE_POINTS",
    "MAX_TEXT",
    "NON_SMOOTH_FUNCTIONS",
    "SYMBOLIC_MAX_STATES",
    "WEIGHT_SUFFIXES",
    "CompiledSystem",
    "DefaultRegionWarning",
    "Derivatives",
    "Event",
    "IgnoredOptionWarning",
    "Model",
    "OdeSpec",
    "RateNetwork",
    "System",
    "TableLookup",
    "check_region",
    "compile",
    "derivatives",
    "format_ode",
    "heav",
    "import_python_file",
    "infer_region",
    "load_model",
    "load_weights",
    "lookup",
    "model_module",
    "model_names",
    "network_from_weights",
    "numeric_function",
    "parse_activation",
    "read_network",
    "read_ode",
    "refuse_hybrid",
    "region_bounds",
    "require_autonomous",
    "resolve_params",
    "resolve_region",
    "symbols",
    "table",
    "time_symbol",
]
