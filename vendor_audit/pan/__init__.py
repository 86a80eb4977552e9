"""The PAN scanner: card numbers, track data and CVV-labelled values in text, records and NDJSON streams.

- `cards`: brand ranges and lengths, Luhn, masking, processors' published test numbers;
- `evidence`: the scored evidence a candidate is weighed on, and the threshold;
- `scanner`: text (with its encodings) and parsed records (with numbers split over values);
- `screen`: the NDJSON fast path, a C-speed screen in front of the scanner with the same findings.
"""

from __future__ import annotations

from vendor_audit.pan.cards import brand_of, fold, longest_pan, luhn_valid, mask_pan, pan_of
from vendor_audit.pan.evidence import ID_FIELD, THRESHOLD, WEIGHTS
from vendor_audit.pan.scanner import Joiner, Match, scan_record, scan_text
from vendor_audit.pan.screen import scan_json_line, scan_line, scan_ndjson

__all__ = [
    "ID_FIELD",
    "THRESHOLD",
    "WEIGHTS",
    "Joiner",
    "Match",
    "brand_of",
    "fold",
    "longest_pan",
    "luhn_valid",
    "mask_pan",
    "pan_of",
    "scan_json_line",
    "scan_line",
    "scan_ndjson",
    "scan_record",
    "scan_text",
]
