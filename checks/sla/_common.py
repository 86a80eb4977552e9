"""What both service-level checks share: which records the KPIs left out, and how a share reads."""

from __future__ import annotations

from vendor_audit.kpi import KpiResult, KpiRow
from vendor_audit.profile import Profile
from vendor_audit.service_levels import left_out_records


def unread(kpi: KpiResult, profile: Profile, vendor: str) -> tuple[int, list[str]]:
    """Records of `vendor`'s exports the KPIs left out, and the problems that are no count (a file not read whole)."""
    paths = [str(spec.path) for spec in profile.exports if spec.vendor in (None, vendor)]
    return left_out_records(kpi.problems, paths)


def same(value: str | None, wanted: str | None) -> bool:
    """Channels compare without case: Zendesk labels them as its UI does ("Chat"), contracts write "chat"."""
    if value is None or wanted is None:
        return value is wanted
    return value.casefold() == wanted.casefold()


def row_of(kpi: KpiResult, vendor: str, metric: str, channel: str | None, priority: str | None) -> KpiRow | None:
    """The recomputed row for exactly this vendor, metric, channel and priority (None: over all of them)."""
    for row in kpi.rows:
        if (
            row.vendor == vendor
            and row.metric == metric
            and same(row.channel, channel)
            and same(row.priority, priority)
        ):
            return row
    return None


def pct(share: float) -> str:
    return f"{100 * share:.1f} %"
