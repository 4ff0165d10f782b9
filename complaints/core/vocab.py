"""Shared vocabulary of the domain (DOMAIN.md §2): enums used by several features."""

from __future__ import annotations

from complaints.core.db import LabelledEnum
from complaints.core.translate import N_


class PetitionKind(LabelledEnum):
    complaint = "complaint"
    denunciation = "denunciation"
    feedback = "feedback"


PetitionKind.LABELS = {
    "complaint": N_("Khiếu nại"),
    "denunciation": N_("Tố cáo"),
    "feedback": N_("Kiến nghị, phản ánh"),
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
    "land": N_("Đất đai"),
    "housing": N_("Nhà ở"),
    "policy": N_("Chính sách, chế độ"),
    "civil_service": N_("Chế độ công chức, viên chức"),
    "environment": N_("Tài nguyên, môi trường"),
    "judiciary": N_("Tư pháp"),
    "corruption": N_("Tham nhũng"),
    "party": N_("Đảng, đoàn thể"),
    "other": N_("Lĩnh vực khác"),
}
