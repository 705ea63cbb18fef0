"""The workspace's words in Vietnamese (first) and English, and how it writes dates (``dd/mm/yyyy``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGS = ("vi", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("Số hóa — Màn hình làm việc", "Sohoa — clerk's workspace"),
    "review": ("Duyệt", "Review"),
    "queue": ("Hàng đợi duyệt", "Review queue"),
    "batches": ("Lô số hóa", "Batches"),
    "quarantine": ("Cách ly", "Quarantine"),
    "search": ("Tra cứu", "Search"),
    "keys": ("Khóa API", "API keys"),
    "logout": ("Đăng xuất", "Log out"),
    "login": ("Đăng nhập", "Log in"),
    "login_title": ("Đăng nhập màn hình làm việc", "Log in to the workspace"),
    "account": ("Tài khoản", "Account"),
    "password": ("Mật khẩu", "Password"),
    "sso": ("Đăng nhập một lần của tỉnh (SSO)", "Province single sign-on"),
    "office": ("Cơ quan", "Office"),
    "type": ("Loại giấy tờ", "Document type"),
    "reason": ("Lý do", "Reason"),
    "age": ("Chờ quá (ngày)", "Waiting more than (days)"),
    "filter": ("Lọc", "Filter"),
    "all": ("Tất cả", "All"),
    "code": ("Mã tài liệu", "Document code"),
    "owner": ("Chủ sở hữu", "Owner"),
    "received": ("Ngày nhận", "Received"),
    "input": ("Tệp", "File"),
    "open": ("Mở", "Open"),
    "waiting": ("tài liệu chờ duyệt", "documents waiting for review"),
    "empty_queue": ("Không còn tài liệu nào chờ duyệt.", "Nothing is waiting for review."),
    "fields": ("Các trường", "Fields"),
    "confidence": ("Độ tin cậy", "Confidence"),
    "second_read": ("Đọc lại lần hai khớp", "Second read agrees"),
    "alternatives": ("Loại khác có thể", "Other possible types"),
    "accept": ("Xác nhận", "Accept"),
    "next": ("Tài liệu tiếp", "Next document"),
    "to_quarantine": ("Đưa vào cách ly", "Send to quarantine"),
    "quarantine_reason": ("Lý do cách ly", "Why it goes to quarantine"),
    "history": ("Lịch sử", "History"),
    "page": ("Trang", "Page"),
    "zoom_in": ("Phóng to", "Zoom in"),
    "zoom_out": ("Thu nhỏ", "Zoom out"),
    "rotate": ("Xoay", "Rotate"),
    "keys_help": (
        "Phím: Tab chuyển trường · Enter xác nhận · Alt+T đổi loại · Alt+N tài liệu tiếp · Alt+Q cách ly"
        " · Alt+S cách tách",
        "Keys: Tab between fields · Enter accepts · Alt+T type · Alt+N next · Alt+Q quarantine · Alt+S split",
    ),
    "reasons": ("Lý do cần kiểm tra", "Why it needs review"),
    "status": ("Trạng thái", "Status"),
    "items": ("Tài liệu", "Items"),
    "pages": ("Trang", "Pages"),
    "started": ("Bắt đầu", "Started"),
    "finished": ("Kết thúc", "Finished"),
    "operator": ("Cán bộ", "Operator"),
    "progress": ("Tiến độ", "Progress"),
    "preview": ("Xem tệp", "Preview"),
    "retry": ("Xử lý lại", "Retry"),
    "discard": ("Loại bỏ", "Discard"),
    "keep": ("Giữ lại", "Keep"),
    "decision": ("Quyết định", "Decision"),
    "no_quarantine": ("Không có tài liệu bị cách ly.", "Nothing in quarantine."),
    "query": ("Số định danh, họ tên, mã tài liệu hoặc nội dung", "ID number, name, document code or text"),
    "purpose": ("Mục đích tra cứu (mã hồ sơ)", "Purpose of the lookup (dossier code)"),
    "purpose_needed": (
        "Xem giấy tờ của công dân cần ghi mục đích; lần xem được ghi nhật ký.",
        "Looking at a person's papers needs a purpose; the look is audited.",
    ),
    "results": ("Kết quả", "Results"),
    "no_results": ("Không tìm thấy tài liệu nào.", "No document found."),
    "document": ("Tài liệu", "Document"),
    "paper_code": ("Mã giấy tờ", "Paper code"),
    "dossier": ("Mã hồ sơ", "Dossier code"),
    "issue_date": ("Ngày cấp", "Issued"),
    "valid_until": ("Hiệu lực đến", "Valid until"),
    "signature": ("Chữ ký số", "Signature"),
    "signed_at": ("Ký lúc", "Signed at"),
    "view_pdf": ("Xem bản PDF đã ký", "View the signed PDF"),
    "owners": ("Các chủ sở hữu (vai trò)", "Owners (roles)"),
    "sig.signed": ("đã ký", "signed"),
    "sig.unsigned": ("chưa ký", "unsigned"),
    "reviewed_by": ("Người duyệt", "Reviewed by"),
    "create_key": ("Tạo khóa", "Create a key"),
    "client": ("Hệ thống gọi", "Client system"),
    "scopes": ("Quyền", "Scopes"),
    "created": ("Ngày tạo", "Created"),
    "revoked": ("Thu hồi", "Revoked"),
    "new_key": ("Khóa mới (chỉ hiện một lần):", "New key (shown once):"),
    "forbidden": ("Không được phép", "Not allowed"),
    "not_found": ("Không tìm thấy", "Not found"),
    "bad_request": ("Yêu cầu không hợp lệ", "Invalid request"),
    "back": ("Quay lại", "Back"),
    "permanent": ("vĩnh viễn", "permanent"),
    "role.clerk": ("cán bộ tiếp nhận", "clerk"),
    "role.reviewer": ("cán bộ kiểm tra", "reviewer"),
    "role.supervisor": ("giám sát", "supervisor"),
    "role.admin": ("quản trị", "admin"),
    "field.id_number": ("Số định danh", "ID number"),
    "field.enterprise_code": ("Mã số doanh nghiệp", "Enterprise code"),
    "field.full_name": ("Họ và tên", "Full name"),
    "field.date_of_birth": ("Ngày sinh", "Date of birth"),
    "field.issue_date": ("Ngày cấp", "Issue date"),
    "field.valid_until": ("Hiệu lực đến", "Valid until"),
    "field.issuer": ("Cơ quan cấp", "Issuer"),
    "field.place": ("Nơi sinh / địa chỉ", "Place"),
    "accepted": ("Đã xác nhận", "Accepted"),
    "saved": ("Đã lưu", "Saved"),
    "save": ("Lưu (chưa xác nhận)", "Save (not accepted)"),
    "quarantined": ("Đã đưa vào cách ly", "Sent to quarantine"),
    "retried": ("Đã gửi xử lý lại", "Sent to be processed again"),
    "none": ("không có", "none"),
    "statuses": ("Theo trạng thái", "By status"),
    "batch.running": ("đang chạy", "running"),
    "batch.done": ("xong", "done"),
    "batch.interrupted": ("bị gián đoạn", "interrupted"),
    "resplit": (
        "Đã sửa cách tách; các tài liệu mới đang được số hóa.",
        "Split corrected; the new documents are being digitized.",
    ),
    "split": ("Tách từ xấp giấy", "Cut from the stack"),
    "split_started_by": ("Bắt đầu bởi", "Started by"),
    "split_help": (
        "Gõ cho mỗi trang số tài liệu chứa nó: cùng số để gộp, số mới để tách, 0 để bỏ trang;"
        " Tab chuyển trang, Enter lưu.",
        "Type for each page the number of its document: the same number merges, a new number splits, 0 drops the"
        " page; Tab moves on, Enter saves.",
    ),
    "split_submit": ("Sửa cách tách", "Correct the split"),
    "split_done": (
        "Xấp giấy này đã được tách lại; xem các tài liệu mới trong lô mới.",
        "This stack was split again; see the new documents in the new batch.",
    ),
    "split_by.receipt": ("giấy tiếp nhận", "receipt"),
    "split_by.separator": ("tờ phân cách", "separator sheet"),
    "split_by.blank_run": ("dãy trang trắng", "blank pages"),
    "split_by.bad_code": ("mã không đọc được", "unreadable code"),
    "split_by.start": ("đầu xấp", "start of the stack"),
    "split_by.review": ("người duyệt", "reviewer"),
    "split_dropped.blank": ("trắng", "blank"),
    "split_dropped.separator": ("tờ phân cách", "separator"),
    "split_dropped.reviewer": ("người duyệt bỏ", "dropped by a reviewer"),
    "batch.starting": ("đang bắt đầu", "starting"),
    "batch.refused": ("không bắt đầu được", "could not start"),
    "batch_started": ("Đã nhận yêu cầu; lô sẽ hiện trong danh sách.", "Asked; the batch shows in the list."),
    "start_batch": ("Bắt đầu lô", "Start a batch"),
    "start_folder": ("Thư mục quét của cơ quan", "Scan folder of the office"),
    "start_upload": ("Hoặc tải tệp lên", "Or upload files"),
    "no_folders": ("Chưa có thư mục quét nào cho cơ quan.", "No scan folder for the office yet."),
}

STATUS_EN = {
    "pending": "pending",
    "processing": "processing",
    "retrying": "retrying",
    "archived": "archived",
    "needs_review": "needs review",
    "quarantined": "quarantined",
    "duplicate": "duplicate",
    "failed": "failed",
    "elsewhere": "elsewhere",
}


def translator(lang: str):
    i = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[i] if pair else key

    return t


def status_name(status: str | None, lang: str) -> str:
    from catalog.status import STATUS_VI

    if not status:
        return ""
    if lang == "en":
        return STATUS_EN.get(status, status)
    return STATUS_VI.get(status, status)  # type: ignore[call-overload]


def reason_text(reason: str | None, lang: str) -> str:
    """A stored reason is ``"<vi> / <en>"``: the clerk's language half."""
    if not reason:
        return ""
    vi, sep, en = reason.partition(" / ")
    return (en if lang == "en" else vi) if sep else reason


def fmt_date(value: str | date | datetime | None) -> str:
    """``dd/mm/yyyy`` of an ISO date (or a date); '' for nothing."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def date_filters(tz: str):
    zone = ZoneInfo(tz)

    def fmt_time(value: datetime | None) -> str:
        """``dd/mm/yyyy HH:MM`` in the installation's time zone."""
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if value.tzinfo is None:
            from datetime import UTC

            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    return fmt_date, fmt_time
