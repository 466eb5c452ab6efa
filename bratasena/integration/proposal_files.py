"""The month's proposal list as the BNBA workbook (by name, by address) handed over or uploaded.

One row a household, numbered as in the list: registry id, KK and NIK in full (the list goes to
the Bupati and the province, who need them), head's name, address, village and district, the
reasons and the decision letter's number. Text cells go through `domain.spreadsheet.cell`, and
numbers are written as text so a 16-digit NIK keeps every digit in Excel.
"""

from __future__ import annotations

import io

from bratasena.domain.proposals import ProposalList
from bratasena.domain.regions import RegionBook
from bratasena.domain.spreadsheet import cell

BNBA_COLUMNS = (
    "No",
    "ID DTSEN",
    "No KK",
    "NIK Kepala Keluarga",
    "Nama Kepala Keluarga",
    "Alamat",
    "Kode Desa",
    "Desa/Kelurahan",
    "Kecamatan",
    "Alasan",
    "No Surat Keputusan",
)


def bnba_xlsx(proposal: ProposalList, regions: RegionBook) -> bytes:
    """The list's households as an .xlsx workbook, with the list's number and approval on top."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("BNBA")
    sheet.append(["Usulan penonaktifan", proposal.number])
    sheet.append(["Batas (cut-off)", proposal.cutoff.isoformat()])
    sheet.append(["SK Bupati", proposal.sk_number or "", proposal.approved_on or ""])
    sheet.append([])
    sheet.append(list(BNBA_COLUMNS))
    for number, item in enumerate(proposal.items, start=1):
        code = item["village_code"]
        village = regions.village(code) if regions.has_village(code) else None
        sheet.append(
            [
                number,
                *(
                    cell(value)
                    for value in (
                        item["registry_id"],
                        item["kk_number"],
                        item["head_nik"],
                        item["head_name"],
                        item["address"],
                        code,
                        village.name if village else "",
                        village.district_name if village else "",
                        ", ".join(item["reason_codes"]),
                        item["decision_number"],
                    )
                ),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
