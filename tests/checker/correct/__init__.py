"""Correct mm functions of Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated
as models: the checker must report nothing here."""
