"""Every Indonesian word the pages show for a code: statuses, steps, reasons, roles, errors."""

from __future__ import annotations

from bratasena.domain.account import Role
from bratasena.domain.complaint import Decision, Status, Step
from bratasena.domain.errors import ConflictError, DomainError
from bratasena.domain.evidence import EvidenceKind, EvidenceStage, Source
from bratasena.domain.filing import PUBLIC, Channel, Reason
from bratasena.domain.household import Eligibility, Target
from bratasena.domain.letters import DeliveryMethod, LetterKind
from bratasena.domain.matching import Concern
from bratasena.projections.reconciliation_report import Effect

STATUS: dict[str, str] = {
    Status.FILED: "Diterima",
    Status.ASSIGNED: "Ditugaskan",
    Status.INVESTIGATED: "Sudah diverifikasi lapangan",
    Status.NOTICE_ISSUED: "Pemberitahuan dikirim ke keluarga",
    Status.RESPONSE_RECORDED: "Tanggapan keluarga dicatat",
    Status.UPHELD: "Dikabulkan",
    Status.REJECTED: "Ditolak",
    Status.WITHDRAWN: "Dicabut",
    Status.APPEALED: "Keberatan diajukan",
    Status.APPEAL_GRANTED: "Keberatan dikabulkan",
    Status.APPEAL_DENIED: "Keberatan ditolak",
    Status.JOINED: "Digabungkan ke kasus lain",
}
"""A complaint's status, as a citizen or officer reads it."""

STEP_TITLE: dict[str, str] = {
    Step.FILED: "Aduan diterima",
    Step.CORROBORATED: "Aduan tambahan",
    Step.HOUSEHOLD_IDENTIFIED: "Keluarga dicocokkan",
    Step.ASSIGNED: "Ditugaskan",
    Step.REASSIGNED: "Dialihkan ke petugas lain",
    Step.INVESTIGATED: "Verifikasi lapangan",
    Step.NOTICE_ISSUED: "Pemberitahuan",
    Step.RESPONSE_RECORDED: "Tanggapan keluarga",
    Step.UPHELD: "Dikabulkan",
    Step.REJECTED: "Ditolak",
    Step.WITHDRAWN: "Dicabut",
    Step.APPEALED: "Keberatan",
    Step.APPEAL_GRANTED: "Keberatan dikabulkan",
    Step.APPEAL_DENIED: "Keberatan ditolak",
    Step.HOUSEHOLD_REMATCHED: "Keluarga dicocokkan ulang",
    Step.JOINED: "Digabungkan ke kasus lain",
    Step.LETTER_ISSUED: "Surat diterbitkan",
    Step.LETTER_DELIVERED: "Surat diserahkan",
    Step.EVIDENCE_ATTACHED: "Bukti dilampirkan",
    Step.EVIDENCE_WITHDRAWN: "Bukti ditarik",
}
"""The title of each step of a case's timeline (staff pages)."""

EVIDENCE_KIND: dict[str, str] = {
    EvidenceKind.HOUSE_FRONT: "Foto rumah tampak depan",
    EvidenceKind.HOUSE_INSIDE: "Foto bagian dalam rumah",
    EvidenceKind.VEHICLE: "Foto kendaraan",
    EvidenceKind.DOCUMENT: "Dokumen",
    EvidenceKind.OTHER: "Lainnya",
}
"""What an attachment shows."""

EVIDENCE_STAGE: dict[str, str] = {
    EvidenceStage.FILING: "dari pelapor",
    EvidenceStage.FIELD_CHECK: "verifikasi lapangan",
    EvidenceStage.RESPONSE: "tanggapan keluarga",
    EvidenceStage.APPEAL: "keberatan keluarga",
}
"""When an attachment came in."""

LOCATION_SOURCE: dict[str, str] = {
    Source.EXIF: "dari data foto (EXIF)",
    Source.BROWSER: "dari lokasi ponsel",
    Source.TYPED: "diketik petugas",
}
"""Where a photo's time or place came from."""

PUBLIC_STEP: dict[str, str] = {
    Step.FILED: "Aduan diterima",
    Step.ASSIGNED: "Ditugaskan untuk verifikasi lapangan",
    Step.INVESTIGATED: "Verifikasi lapangan selesai",
    Step.NOTICE_ISSUED: "Keluarga diberi kesempatan menanggapi",
    Step.RESPONSE_RECORDED: "Tanggapan keluarga dicatat",
    Step.UPHELD: "Aduan dikabulkan",
    Step.REJECTED: "Aduan ditolak",
    Step.WITHDRAWN: "Aduan dicabut",
    Step.APPEALED: "Keluarga mengajukan keberatan",
    Step.APPEAL_GRANTED: "Keberatan dikabulkan",
    Step.APPEAL_DENIED: "Keberatan ditolak",
    Step.JOINED: "Digabungkan dengan aduan lain tentang keluarga yang sama",
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
    PUBLIC: "Pelapor",
}
"""Each staff role, and the citizen who files without an account: "Pelapor" on every page."""

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

RECONCILIATION: dict[str, str] = {
    "removal_confirmed": "Penonaktifan berlaku di DTSEN",
    "removal_not_applied": "Penonaktifan belum berlaku",
    "reactivation_not_applied": "Pengaktifan kembali belum berlaku",
    "left_registry_elsewhere": "Keluar dari registri tanpa keputusan di sini",
    "returned_to_registry": "Kembali ke registri",
}
"""What a registry extract showed of a household (`projections.reconciliation_report.KINDS`)."""

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

LETTER: dict[str, str] = {
    LetterKind.NOTICE: "Surat Pemberitahuan dan Undangan Klarifikasi",
    LetterKind.FIELD_REPORT: "Berita Acara Verifikasi Lapangan",
    LetterKind.DECISION: "Surat Pemberitahuan Keputusan",
    LetterKind.APPEAL_DECISION: "Keputusan atas Keberatan",
}
"""The title of each kind of letter."""

DELIVERY: dict[str, str] = {
    DeliveryMethod.BY_HAND: "diserahkan langsung",
    DeliveryMethod.BY_POST: "dikirim melalui pos",
    DeliveryMethod.VIA_VILLAGE: "melalui kantor desa/kelurahan",
}
"""How a letter reached the household."""

CONCERN: dict[str, str] = {
    Concern.OTHER_VILLAGE: "desa berbeda dari aduan",
    Concern.NAME_MISMATCH: "nama kepala keluarga tidak cocok dengan aduan",
}
"""What differs between a complaint and a registered household."""

REGISTRY_FACT: dict[str, str] = {
    "desil": "Desil",
    "members": "Anggota",
    "programs": "Program",
    "address": "Alamat",
    "head_name": "Kepala keluarga",
    "village_code": "Desa",
    "kk_number": "Nomor KK",
    "head_nik": "NIK kepala keluarga",
}
"""What a registry extract says of a household (the household page's history)."""

REACTIVATION_CAUSE: dict[str, str] = {
    "appeal_granted": "keberatan keluarga dikabulkan",
    "registry_correction": "koreksi data terpadu",
}
"""Why a household was restored."""

ACCOUNT_STALE = (
    "Akun ini sudah diubah orang lain sejak Anda membukanya. Halaman menampilkan keadaan "
    "terbaru; periksa lalu kirim lagi bila masih perlu."
)
"""A change of an account refused because someone changed it since the form was opened."""

QUEUE: dict[str, str] = {
    "to_assign": "Menunggu penugasan",
    "to_decide": "Menunggu keputusan",
    "appeals": "Keberatan menunggu keputusan",
    "overdue": "Terlambat",
}
"""The kabid's queues (`projections.Queue`)."""

QUEUE_HINT: dict[str, str] = {
    "to_assign": "Aduan yang belum ditugaskan kepada petugas atau pendamping PKH.",
    "to_decide": "Keluarga sudah menanggapi, atau batas waktu tanggapannya sudah lewat.",
    "appeals": "Keluarga mengajukan keberatan atas keputusan.",
    "overdue": "Melewati batas keputusan, atau batas tanggapan lewat tanpa tanggapan.",
}
"""What puts a case in each queue."""

SEARCHED: dict[str, str] = {
    "tracking_code": "Dicari sebagai kode lacak",
    "nik_or_kk": "Dicari sebagai NIK atau nomor KK",
    "registry_id": "Dicari sebagai nomor registrasi DTKS/DTSEN",
    "village_or_name": "Dicari sebagai nama desa dan nama kepala keluarga",
    "name": "Dicari sebagai nama kepala keluarga (ejaan lama, gelar dan huruf besar diabaikan)",
    "nothing": "Tidak ada yang dapat dicari: tulis kode lacak, nomor, nama desa, atau nama",
}
"""What the case search box took its text for (`projections.SearchKind`)."""

DAY: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
"""Days of the week, Monday first (``date.weekday()``)."""

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
    "sk_number": "Tulis nomor SK Bupati (paling banyak 100 karakter).",
    "approved_on": "Tanggal SK harus di antara tanggal batas daftar dan hari ini.",
    "month": "Tulis bulan sebagai TTTT-BB, misalnya 2026-05.",
    "subject": "Sebutkan nomor KK atau NIK kepala keluarga, atau nama kepala keluarga dan desanya.",
    "subject.name": "Tulis nama kepala keluarga.",
    "subject.village_code": "Pilih desa/kelurahan tempat keluarga tinggal.",
    "subject.nik": "NIK tidak valid: 16 angka seperti tertulis di KTP.",
    "subject.kk_number": "Nomor KK tidak valid: 16 angka seperti tertulis di Kartu Keluarga.",
    "subject.registry_id": "Nomor data terpadu tidak dikenal.",
    "reasons": "Pilih paling sedikit satu alasan.",
    "description": "Jelaskan singkat apa yang Anda lihat atau ketahui tentang alasan yang dipilih.",
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
    "reason_codes": "Pilih alasan aduan yang terbukti dalam verifikasi lapangan.",
    "confirmation": (
        "Keluarga ini berbeda dari aduan: tulis alasan pencocokan (paling sedikit 20 karakter)."
    ),
    "kind": "Surat jenis ini belum dapat diterbitkan pada tahap kasus sekarang.",
    "delivery_on": "Tanggal penyerahan tidak boleh sebelum tanggal surat.",
    "delivered_on": "Tanggal penyerahan tidak boleh di masa depan atau sebelum tanggal surat.",
    "method": "Pilih cara penyerahan surat.",
    "number": "Pilih surat yang diserahkan.",
    "channel": "Saluran aduan tidak dikenal.",
    "file": "Lampirkan foto (JPEG, PNG, HEIC) atau dokumen PDF yang utuh.",
    "caption": "Keterangan lampiran paling banyak 200 karakter.",
    "latitude": "Lintang harus angka antara -90 dan 90, diisi bersama bujur.",
    "longitude": "Bujur harus angka antara -180 dan 180, diisi bersama lintang.",
    "taken_at": "Waktu pengambilan foto tidak dapat dibaca.",
    "taken_at_source": "Sumber waktu pengambilan foto tidak dikenal.",
    "location_source": "Sumber lokasi foto tidak dikenal.",
    "evidence_id": "Pilih lampiran kasus ini.",
    "files": "Paling banyak 3 berkas pada satu aduan.",
    "complaint": "Kirim aduan sebagai JSON pada kolom complaint.",
    "role": "Peran tidak dikenal.",
    "districts": "Pilih paling sedikit satu kecamatan.",
    "desil": "Desil harus bilangan 1 sampai 10.",
    "members": "Jumlah anggota keluarga paling sedikit 1.",
    "programs": "Program bantuan tidak dikenal.",
    "cause": "Sebab pengaktifan kembali tidak dikenal.",
    "target": "Sistem tujuan tidak dikenal.",
    "event_version": "Versi perubahan tidak dikenal.",
    "monthly": "Isi target untuk 12 bulan dengan bilangan bulat 0 atau lebih.",
    "query": "Tulis nomor registrasi, KK atau NIK yang dicari.",
    "at": "Tulis waktu lengkap dengan zona waktunya.",
    "version": "Versi tidak ada.",
    "grounds": "Tulis alasan keberatan keluarga.",
    "filed_on": "Tanggal keberatan tidak sah atau sudah lewat masa keberatan (21 hari kerja).",
    "registry_id": "Tidak ada keluarga terdaftar dengan nomor itu.",
    "kk": "Nomor KK terdiri dari 16 angka.",
    "nik": "NIK terdiri dari 16 angka.",
    "district": "Kecamatan tidak dikenal.",
    "village": "Desa tidak dikenal.",
    "q": "Pencarian tidak dikenali.",
    "name": "Tulis paling sedikit satu kata nama (dua huruf atau lebih, tanpa gelar).",
    "year": "Tahun tidak sah.",
}
"""What to do when a form field is refused, keyed by the field the domain names."""

RULE_ERROR: dict[str, str] = {
    "stale_version": (
        "Kasus ini sudah diubah orang lain sejak Anda membukanya. Halaman sudah dimuat ulang "
        "dengan keadaan terbaru; periksa lalu kirim lagi bila masih perlu."
    ),
    "same_assignee": "Kasus sudah ditugaskan kepada akun ini; pilih petugas lain.",
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
    "reasons_required": "Pilih paling sedikit satu alasan.",
    "household_not_chosen": "Pilih keluarga dari daftar hasil pencarian.",
    "ambiguous_number": (
        "Beberapa keluarga terdaftar memakai nomor ini; sebutkan nomor registrasi DTKS/DTSEN."
    ),
    "channel_not_allowed": "Saluran aduan ini hanya untuk petugas atau pendamping PKH.",
    "unknown_household": "Tidak ada keluarga terdaftar dengan nomor registrasi itu.",
    "household_deactivated": (
        "Keluarga ini sudah dinonaktifkan dari data bansos; aduan tidak dapat dicocokkan "
        "dengannya. Periksa lagi nomor registrasinya."
    ),
    "match_unconfirmed": (
        "Keluarga ini berbeda dari aduan (desa atau nama). Bila yakin keluarga ini yang "
        "dimaksud, tulis alasannya (paling sedikit 20 karakter)."
    ),
    "match_after_field_check": (
        "Pencocokan keluarga dilakukan sebelum verifikasi lapangan; sesudahnya hanya kepala "
        "bidang yang dapat mencocokkan ulang."
    ),
    "same_household": "Kasus ini sudah dicocokkan dengan keluarga itu.",
    "household_not_noticed": (
        "Keluarga yang dicocokkan sekarang bukan keluarga yang diberi pemberitahuan dan "
        "didengar. Cocokkan ulang agar keluarga ini diverifikasi, diberi tahu dan didengar dulu."
    ),
    "already_deactivated": (
        "Keluarga ini sudah dinonaktifkan oleh keputusan lain; aduan tidak dapat dikabulkan "
        "untuk keluarga yang sama dua kali."
    ),
    "not_deactivated": "Keluarga ini tidak sedang dinonaktifkan.",
    "already_synced": "Sistem tujuan sudah menjawab perubahan ini.",
    "before_cutoff": "Daftar usulan bulan ini baru dapat disusun mulai tanggal batasnya (cut-off).",
    "nothing_to_propose": "Belum ada penonaktifan yang dikabulkan dan belum diusulkan.",
    "already_prepared": "Daftar usulan bulan ini sudah disusun.",
    "not_proposed": "Keluarga ini belum masuk daftar usulan penonaktifan.",
    "already_approved": "Daftar usulan ini sudah disahkan; pengesahan tidak dicatat dua kali.",
    "older_extract": (
        "Data ini untuk periode yang lebih lama dari data yang sudah direkonsiliasi. Data tetap "
        "diimpor, tetapi tidak dicocokkan dengan keputusan penonaktifan."
    ),
    "reason_too_short": (
        "Alasan keputusan yang mencabut bantuan harus jelas: paling sedikit 30 karakter."
    ),
    "reason_codes_required": "Pilih alasan aduan yang terbukti dalam verifikasi lapangan.",
    "reason_not_confirmed": (
        "Hanya alasan aduan yang dilaporkan dalam verifikasi lapangan yang dapat menjadi "
        "dasar keputusan."
    ),
    "decision_not_delivered": (
        "Masa keberatan dihitung sejak surat keputusan diterima keluarga: terbitkan surat "
        "keputusan dan catat penyerahannya dulu."
    ),
    "no_letter_due": "Belum ada surat yang dapat diterbitkan pada tahap kasus sekarang.",
    "letter_not_due": "Surat jenis ini belum dapat diterbitkan pada tahap kasus sekarang.",
    "letter_number_taken": "Nomor surat itu sudah dipakai; terbitkan ulang.",
    "no_letter_to_deliver": "Tidak ada surat yang menunggu diserahkan.",
    "unknown_letter": "Kasus ini tidak mempunyai surat dengan nomor itu.",
    "letter_already_delivered": "Penyerahan surat ini sudah dicatat.",
    "delivered_before_stated_day": (
        "Surat ini menyebut tanggal penyerahannya dan menghitung batas keberatan dari tanggal "
        "itu; penyerahan tidak dapat dicatat lebih awal."
    ),
    "letterhead_not_configured": (
        "Kop surat kantor belum diatur; administrator perlu mengisi alamat, nama dan NIP "
        "kepala dinas."
    ),
    "bad_number_format": "Format nomor surat di pengaturan tidak dapat dipakai.",
    "unsupported_file": "Berkas ini bukan foto (JPEG, PNG, HEIC) atau dokumen PDF.",
    "empty_file": "Berkas kosong (0 bita); pilih berkas yang benar.",
    "file_too_large": "Berkas terlalu besar: paling besar 10 MiB per berkas.",
    "file_name_has_path": "Nama berkas tidak boleh memuat garis miring (/ atau \\).",
    "bad_file_name": "Nama berkas tidak dapat dipakai: ganti namanya lalu kirim lagi.",
    "broken_file": "Berkas rusak atau terpotong; kirim berkas aslinya.",
    "too_many_pixels": "Foto terlalu besar ukurannya (lebih dari 64 juta piksel).",
    "pdf_has_script": "PDF yang memuat JavaScript tidak diterima.",
    "pdf_encrypted": "PDF yang terkunci atau terenkripsi tidak diterima.",
    "too_many_attachments": "Kasus ini sudah mencapai batas jumlah lampiran.",
    "too_many_files": "Paling banyak 3 berkas pada satu aduan.",
    "attachment_exists": "Lampiran ini sudah tercatat.",
    "unknown_attachment": "Kasus ini tidak mempunyai lampiran itu.",
    "attachment_withdrawn": "Lampiran ini sudah ditarik.",
    "no_attachment_to_withdraw": "Tidak ada lampiran yang dapat ditarik.",
    "no_evidence_stage": (
        "Pada tahap ini tidak ada bukti yang dapat dilampirkan: foto lapangan saat verifikasi, "
        "dokumen keluarga setelah pemberitahuan."
    ),
    "original_not_allowed": (
        "Berkas asli (dengan data lokasi dan perangkat) hanya untuk kepala bidang dan auditor."
    ),
    "file_not_what_it_claims": "Isi berkas tidak sesuai dengan nama atau jenisnya.",
    "wrong_register_year": "Buku agenda surat tahun itu tidak dapat memberi nomor tahun ini.",
    "malformed_number": "Nomor harus 16 angka.",
    "unknown_province": "Kode provinsi di awal nomor tidak dikenal.",
    "unknown_regency": "Kode kabupaten/kota di awal nomor tidak dikenal.",
    "bad_date": "Tanggal di dalam nomor (lahir pada NIK, terbit pada KK) bukan tanggal yang ada.",
    "future_date": "Tanggal di dalam nomor itu masih di masa depan.",
    "zero_serial": "Empat angka terakhir nomor tidak boleh 0000.",
    "malformed_tracking_code": "Kode lacak terdiri dari 10 huruf dan angka, seperti ABCD-EFGH-JT.",
    "tracking_code_check_failed": "Kode lacak itu salah ketik; periksa lagi setiap hurufnya.",
    "malformed_region_code": "Kode wilayah tidak sah.",
    "invalid_registry_id": (
        "Nomor registrasi hanya memuat huruf, angka, titik, garis miring, garis bawah atau "
        "tanda hubung, paling banyak 64 karakter."
    ),
}
"""What to tell a person when a rule refuses a command, keyed by the rule's stable name."""

TRACKING_EXAMPLE = "ABCD-EFGH-JT"
"""The tracking code the messages show as an example: one that passes the check symbol."""

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

NUMBER_RULES = frozenset(
    {"malformed_number", "unknown_province", "unknown_regency", "bad_date", "future_date"}
    | {"zero_serial"}
)
"""Rules of NIK and KK numbers: their message follows the field's, which says which number."""

FIELD_PREFIX_ERROR: dict[str, str] = {
    "findings.": "Tulis temuan untuk alasan ini.",
}
"""Messages for fields named with a variable part (``findings.mampu``)."""

GENERIC_ERROR = "Isian tidak dapat diterima; periksa lagi lalu kirim ulang."
"""The last resort, for a refusal the vocabulary does not know (a test keeps it unused)."""


def error_text(error: DomainError) -> str:
    """The Indonesian message of a refusal: the rule's when it has one, else the field's."""
    if isinstance(error, ConflictError):
        return RULE_ERROR["stale_version"]
    field = error.field or ""
    if error.rule in NUMBER_RULES and field in FIELD_ERROR:
        return f"{FIELD_ERROR[field]} {RULE_ERROR[error.rule]}"
    if error.rule == "reason_required" and field in FIELD_ERROR:
        return FIELD_ERROR[field]  # the field that is empty, not always a "reason"
    if error.rule in RULE_ERROR and error.rule not in ("invalid_input", "rule_violated"):
        return RULE_ERROR[error.rule]
    if field in FIELD_ERROR:
        return FIELD_ERROR[field]
    for prefix, message in FIELD_PREFIX_ERROR.items():
        if field.startswith(prefix):
            return message
    return GENERIC_ERROR


def reason_phrase(code: str) -> str:
    """A reason as it reads inside a sentence: the first letter lowered, acronyms (UMK, ASN,
    TNI) kept as they are."""
    words = REASON.get(code, code)
    first = words.split(" ", 1)[0].strip(",")
    if first.isupper() or any(c.isupper() for c in first[1:]):
        return words
    return words[:1].lower() + words[1:]


def month_label(month: str) -> str:
    """``2026-03`` as ``Maret 2026``."""
    year, number = month.split("-")
    return f"{MONTH[int(number) - 1]} {year}"


def effect_line(effect: Effect | None, latest_period: str | None) -> str | None:
    """Whether the household's latest decision shows in the registry: "Berlaku di DTSEN sejak
    Mei 2026", or "Belum berlaku (periode Juni 2026)" with the latest extract that was checked
    (the effective month while no extract has reached it). None when there is nothing to say."""
    if effect is None:
        return None
    if effect.deactivated and effect.state == "confirmed":
        return f"Berlaku di DTSEN sejak {month_label(effect.period)}"
    checked = effect.period or (
        latest_period
        if latest_period and latest_period >= effect.effective_month
        else effect.effective_month
    )
    if effect.deactivated:
        return f"Belum berlaku (periode {month_label(checked)})"
    if effect.state == "not_applied":
        return f"Pengaktifan kembali belum berlaku (periode {month_label(checked)})"
    return None
