"""Shared vocabulary of the domain (DOMAIN.md §2): enums used by several features."""

from __future__ import annotations

from complaints.core.db import LabelledEnum


class PetitionKind(LabelledEnum):
    complaint = "complaint"
    denunciation = "denunciation"
    feedback = "feedback"


PetitionKind.LABELS = {
    "complaint": "Khiếu nại",
    "denunciation": "Tố cáo",
    "feedback": "Kiến nghị, phản ánh",
}


class Field(LabelledEnum):
    """Lĩnh vực, as the XLD forms split them."""

    land = "land"
    housing = "housing"
    policy = "policy"
    civil_service = "civil_service"
    environment = "environment"
    judiciary = "judiciary"
    corruption = "corruption"
    party = "party"
    other = "other"


Field.LABELS = {
    "land": "Đất đai",
    "housing": "Nhà ở",
    "policy": "Chính sách, chế độ",
    "civil_service": "Chế độ công chức, viên chức",
    "environment": "Tài nguyên, môi trường",
    "judiciary": "Tư pháp",
    "corruption": "Tham nhũng",
    "party": "Đảng, đoàn thể",
    "other": "Lĩnh vực khác",
}
