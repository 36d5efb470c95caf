"""An import-linter contract that lists what a package may import, rather than what it may not:
a new dependency of the domain breaks it until someone decides it belongs there."""

import sys
from typing import cast

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AllowedImportsContract(Contract):
    """Options: source_modules (packages checked, with everything inside them), allowed_modules
    (top-level packages they may import beyond the standard library and themselves)."""

    type_name = "allowed"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        # import-linter replaces each field on the instance by the configured list
        allowed = set(cast("list[str]", self.allowed_modules)) | set(sys.stdlib_module_names)
        outside = []
        for package in cast("list[str]", self.source_modules):
            for module in sorted(graph.find_descendants(package) | {package}):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    top = imported.split(".")[0]
                    if top != package.split(".")[0] and top not in allowed:
                        outside.append((module, imported))
        return ContractCheck(kept=not outside, warnings=[], metadata={"outside": outside})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, imported in check.metadata["outside"]:
            output.print_error(f"{module} imports {imported}, which is not on the allow-list")
            output.new_line()
