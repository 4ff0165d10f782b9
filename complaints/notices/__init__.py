"""Notices (thông báo, phiếu, quyết định, thư): the documents a case or petition sends out,
printable as HTML and editable as .docx, built once from the same content."""
