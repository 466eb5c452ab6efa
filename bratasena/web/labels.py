"""Every Indonesian word the pages show for a code: statuses, steps, reasons, roles, errors."""

from __future__ import annotations

from bratasena.domain.account import Role
from bratasena.domain.complaint import Decision, Status, Step
from bratasena.domain.errors import ConflictError, DomainError
from bratasena.domain.filing import PUBLIC, Channel, Reason
from bratasena.domain.household import Eligibility, Target

STATUS: dict[str, str] = {
    Status.FILED: "Diterima",
    Status.ASSIGNED: "Ditugaskan ke petugas",
    Status.INVESTIGATED: "Sudah diverifikasi lapangan",
    Status.NOTICE_ISSUED: "Pemberitahuan dikirim ke keluarga",
    Status.RESPONSE_RECORDED: "Tanggapan keluarga dicatat",
    Status.UPHELD: "Dikabulkan",
    Status.REJECTED: "Ditolak",
    Status.WITHDRAWN: "Dicabut",
    Status.APPEALED: "Keberatan diajukan",
    Status.APPEAL_GRANTED: "Keberatan dikabulkan",
    Status.APPEAL_DENIED: "Keberatan ditolak",
}
"""A complaint's status, as a citizen or officer reads it."""

STEP_TITLE: dict[str, str] = {
    Step.FILED: "Aduan diterima",
    Step.CORROBORATED: "Aduan tambahan",
    Step.HOUSEHOLD_IDENTIFIED: "Keluarga dicocokkan",
    Step.ASSIGNED: "Ditugaskan",
    Step.INVESTIGATED: "Verifikasi lapangan",
    Step.NOTICE_ISSUED: "Pemberitahuan",
    Step.RESPONSE_RECORDED: "Tanggapan keluarga",
    Step.UPHELD: "Dikabulkan",
    Step.REJECTED: "Ditolak",
    Step.WITHDRAWN: "Dicabut",
    Step.APPEALED: "Keberatan",
    Step.APPEAL_GRANTED: "Keberatan dikabulkan",
    Step.APPEAL_DENIED: "Keberatan ditolak",
}
"""The title of each step of a case's timeline (staff pages)."""

PUBLIC_STEP: dict[str, str] = {
    Step.FILED: "Aduan diterima",
    Step.ASSIGNED: "Ditugaskan ke petugas",
    Step.INVESTIGATED: "Verifikasi lapangan selesai",
    Step.NOTICE_ISSUED: "Keluarga diberi kesempatan menanggapi",
    Step.RESPONSE_RECORDED: "Tanggapan keluarga dicatat",
    Step.UPHELD: "Aduan dikabulkan",
    Step.REJECTED: "Aduan ditolak",
    Step.WITHDRAWN: "Aduan dicabut",
    Step.APPEALED: "Keluarga mengajukan keberatan",
    Step.APPEAL_GRANTED: "Keberatan dikabulkan",
    Step.APPEAL_DENIED: "Keberatan ditolak",
}
"""The public tracking page's words for the public steps (`PUBLIC_STEPS` of the domain)."""

REASON: dict[str, str] = {
    Reason.MAMPU: "Mampu secara ekonomi",
    Reason.ASN_TNI_POLRI: "ASN, TNI atau Polri (atau anggota keluarganya)",
    Reason.PENSIONER: "Pensiunan",
    Reason.VILLAGE_OFFICIAL: "Perangkat desa",
    Reason.CERTIFIED_TEACHER: "Guru bersertifikasi",
    Reason.COMPANY_OWNER_OR_OFFICER: "Pemilik atau pengurus perusahaan",
    Reason.WAGE_ABOVE_UMK: "Penghasilan di atas UMK",
    Reason.OWNS_CAR: "Memiliki mobil",
    Reason.PERMANENT_HOUSE: "Rumah permanen dan layak",
    Reason.DECEASED: "Sudah meninggal dunia",
    Reason.MOVED_AWAY: "Sudah pindah domisili",
    Reason.NOT_FOUND: "Tidak ditemukan di alamat",
    Reason.DUPLICATE_REGISTRATION: "Terdaftar ganda",
    Reason.RECEIVES_OTHER_AID: "Sudah menerima bantuan lain",
    Reason.REFUSES_AID: "Menolak bantuan",
    Reason.OTHER: "Alasan lain (jelaskan di uraian)",
}
"""Reason codes (alasan) for removal."""

ROLE: dict[str, str] = {
    Role.FACILITATOR: "Pendamping PKH",
    Role.OFFICER: "Petugas",
    Role.SUPERVISOR: "Kepala Bidang",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Administrator",
    PUBLIC: "Masyarakat",
}
"""Each staff role, and the public (what citizens do without an account)."""

CHANNEL: dict[str, str] = {
    Channel.WEB: "formulir web",
    Channel.FACILITATOR: "pendamping PKH",
    Channel.WALK_IN: "datang langsung",
    Channel.HOTLINE: "telepon pengaduan",
}

RECOMMENDATION: dict[str, str] = {Decision.UPHOLD: "dikabulkan", Decision.REJECT: "ditolak"}

HOUSEHOLD_STATUS: dict[str, str] = {
    Eligibility.ACTIVE: "Aktif",
    Eligibility.DEACTIVATED: "Dinonaktifkan",
}

SYNC_STATE: dict[str, str] = {
    "pending": "Menunggu dikirim",
    "synced": "Sudah diterima",
    "acknowledged": "Sudah diterima",
    "rejected": "Ditolak sistem tujuan",
    "parked": "Ditahan, perlu ditangani",
    "retrying": "Dicoba ulang",
}

TARGET: dict[str, str] = {
    Target.DTJATENG: "DTJateng (provinsi)",
    Target.DTSEN: "DTSEN (nasional)",
}

MONTH: tuple[str, ...] = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

FIELD_ERROR: dict[str, str] = {
    "subject": "Sebutkan nomor KK atau NIK kepala keluarga, atau nama kepala keluarga dan desanya.",
    "subject.name": "Tulis nama kepala keluarga.",
    "subject.village_code": "Pilih desa/kelurahan tempat keluarga tinggal.",
    "subject.nik": "NIK tidak valid: 16 angka seperti tertulis di KTP.",
    "subject.kk_number": "Nomor KK tidak valid: 16 angka seperti tertulis di Kartu Keluarga.",
    "subject.registry_id": "Nomor data terpadu tidak dikenal.",
    "reasons": "Pilih paling sedikit satu alasan.",
    "description": "Jelaskan singkat mengapa keluarga ini dinilai mampu.",
    "reporter.name": "Tulis nama Anda, atau pilih melapor tanpa nama.",
    "reporter.nik": "NIK Anda tidak valid: 16 angka seperti tertulis di KTP.",
    "reporter.village_code": "Desa/kelurahan Anda tidak dikenal.",
    "officer": "Pilih petugas atau pendamping PKH dari daftar.",
    "username": "Tidak ada akun dengan nama pengguna itu.",
    "visited_on": "Tanggal kunjungan tidak boleh di masa depan atau sebelum aduan diterima.",
    "findings": "Tulis temuan untuk paling sedikit satu alasan aduan.",
    "recommendation": "Pilih rekomendasi: dikabulkan atau ditolak.",
    "response_due": "Batas waktu tanggapan harus setelah hari ini.",
    "statement": "Tulis isi tanggapan keluarga.",
    "received_on": "Tanggal diterima tidak boleh di masa depan atau sebelum pemberitahuan.",
    "outcome": "Pilih keputusan.",
    "reason": "Tulis alasan keputusan.",
    "grounds": "Tulis alasan keberatan keluarga.",
    "filed_on": "Tanggal keberatan tidak sah atau sudah lewat masa keberatan (21 hari kerja).",
    "registry_id": "Tidak ada keluarga terdaftar dengan nomor itu.",
    "kk": "Nomor KK terdiri dari 16 angka.",
    "nik": "NIK terdiri dari 16 angka.",
    "district": "Kecamatan tidak dikenal.",
    "village": "Desa tidak dikenal.",
    "q": "Pencarian tidak dikenali.",
    "year": "Tahun tidak sah.",
}
"""What to do when a form field is refused, keyed by the field the domain names."""

RULE_ERROR: dict[str, str] = {
    "stale_version": (
        "Kasus ini sudah diubah orang lain sejak Anda membukanya. Halaman sudah dimuat ulang "
        "dengan keadaan terbaru; periksa lalu kirim lagi bila masih perlu."
    ),
    "four_eyes": "Petugas yang memverifikasi kasus tidak boleh memutuskannya (prinsip empat mata).",
    "household_not_heard": (
        "Keluarga harus didengar dulu: catat tanggapannya, atau tunggu sampai batas waktu "
        "tanggapan lewat."
    ),
    "out_of_order": "Langkah ini belum bisa dilakukan pada tahap kasus sekarang.",
    "final_state": "Kasus sudah selesai; tidak ada langkah lagi.",
    "reason_required": "Alasan wajib diisi.",
    "objection_window_closed": "Masa keberatan (21 hari kerja setelah keputusan) sudah lewat.",
    "not_assigned_officer": "Hanya petugas yang ditugaskan yang mencatat verifikasi lapangan.",
    "assignee_not_field_role": (
        "Kasus hanya dapat ditugaskan kepada petugas atau pendamping PKH, bukan kepada akun "
        "dengan peran lain."
    ),
    "assignee_outside_districts": (
        "Akun ini tidak bertugas di kecamatan kasus ini; tugaskan petugas atau pendamping PKH "
        "kecamatan tersebut."
    ),
    "assignee_disabled": "Akun ini dinonaktifkan; tugaskan petugas yang masih dapat masuk.",
    "unknown_assignee": "Tidak ada akun dengan nama pengguna itu.",
    "not_allowed": "Anda tidak berwenang melakukan ini.",
    "role_not_allowed": "Peran Anda tidak berwenang melakukan ini.",
    "household_not_identified": "Cocokkan dulu aduan dengan keluarga terdaftar.",
    "already_matched": "Aduan ini sudah dicocokkan dengan keluarga terdaftar.",
    "not_found": "Data yang dicari tidak ditemukan.",
    "unknown_reason": "Alasan tidak dikenal.",
    "unknown_village": "Desa/kelurahan tidak dikenal.",
    "unknown_district": "Kecamatan tidak dikenal.",
    "weak_password": (
        "Kata sandi baru terlalu lemah: pakai 10–200 karakter, sedikitnya 5 karakter berbeda, "
        "bukan kata sandi umum, dan jangan memuat nama pengguna Anda."
    ),
    "login_failed": "Kata sandi saat ini salah.",
    "passwords_differ": "Kedua isian kata sandi baru tidak sama.",
}
"""What to tell a person when a rule refuses a command, keyed by the rule's stable name."""

PASSWORD_PAGE = {
    "title": "Ganti kata sandi",
    "current": "Kata sandi saat ini",
    "new": "Kata sandi baru",
    "repeat": "Ulangi kata sandi baru",
    "hint": (
        "10–200 karakter, sedikitnya 5 karakter berbeda, tanpa nama pengguna Anda. Setelah "
        "diganti, semua sesi lain akun ini (di perangkat lain, dan token API) berakhir."
    ),
    "submit": "Ganti kata sandi",
    "done": "Kata sandi sudah diganti. Sesi lain akun ini sudah diakhiri.",
    "throttled": "Terlalu banyak percobaan gagal. Coba lagi dalam {seconds} detik.",
    "nav": "Kata sandi",
}
"""The words of the password page."""


def error_text(error: DomainError) -> str:
    """The Indonesian message of a refusal: the rule's when it has one, else the field's."""
    if isinstance(error, ConflictError):
        return RULE_ERROR["stale_version"]
    if error.rule in RULE_ERROR and error.rule not in ("invalid_input", "rule_violated"):
        return RULE_ERROR[error.rule]
    field = error.field or ""
    if field in FIELD_ERROR:
        return FIELD_ERROR[field]
    if field.startswith("findings."):
        return "Tulis temuan untuk alasan ini."
    return "Isian tidak dapat diterima; periksa lagi lalu kirim ulang."


def reason_phrase(code: str) -> str:
    """A reason as it reads inside a sentence."""
    return REASON.get(code, code).lower()


def month_label(month: str) -> str:
    """``2026-03`` as ``Maret 2026``."""
    year, number = month.split("-")
    return f"{MONTH[int(number) - 1]} {year}"
