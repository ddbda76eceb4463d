"""RPM header tag numbers and the data type rpm expects for each (rpmtag.h, rpm 4.x)."""

from __future__ import annotations

from enum import IntEnum


class Type(IntEnum):
    NULL = 0
    CHAR = 1
    INT8 = 2
    INT16 = 3
    INT32 = 4
    INT64 = 5
    STRING = 6
    BIN = 7
    STRING_ARRAY = 8
    I18NSTRING = 9


# Region tags: the first index entry of a header, pointing at a trailer that closes the region.
HEADERSIGNATURES = 62
HEADERIMMUTABLE = 63

# The signature header (its own tag space).
SIG_TAGS: dict[str, tuple[int, Type]] = {
    "SHA1": (269, Type.STRING),  # hex SHA-1 of the main header
    "SHA256": (273, Type.STRING),  # hex SHA-256 of the main header
    "SIZE": (1000, Type.INT32),  # main header + payload, bytes
    "MD5": (1004, Type.BIN),  # MD5 of main header + payload
    "PAYLOADSIZE": (1007, Type.INT32),  # uncompressed cpio archive, bytes
}

# The main header.
TAGS: dict[str, tuple[int, Type]] = {
    "HEADERI18NTABLE": (100, Type.STRING_ARRAY),
    "NAME": (1000, Type.STRING),
    "VERSION": (1001, Type.STRING),
    "RELEASE": (1002, Type.STRING),
    "SUMMARY": (1004, Type.I18NSTRING),
    "DESCRIPTION": (1005, Type.I18NSTRING),
    "BUILDTIME": (1006, Type.INT32),
    "BUILDHOST": (1007, Type.STRING),
    "SIZE": (1009, Type.INT32),
    "VENDOR": (1011, Type.STRING),
    "LICENSE": (1014, Type.STRING),
    "PACKAGER": (1015, Type.STRING),
    "GROUP": (1016, Type.I18NSTRING),
    "URL": (1020, Type.STRING),
    "OS": (1021, Type.STRING),
    "ARCH": (1022, Type.STRING),
    "PREIN": (1023, Type.STRING),
    "POSTIN": (1024, Type.STRING),
    "PREUN": (1025, Type.STRING),
    "POSTUN": (1026, Type.STRING),
    "FILESIZES": (1028, Type.INT32),
    "FILEMODES": (1030, Type.INT16),
    "FILERDEVS": (1033, Type.INT16),
    "FILEMTIMES": (1034, Type.INT32),
    "FILEDIGESTS": (1035, Type.STRING_ARRAY),
    "FILELINKTOS": (1036, Type.STRING_ARRAY),
    "FILEFLAGS": (1037, Type.INT32),
    "FILEUSERNAME": (1039, Type.STRING_ARRAY),
    "FILEGROUPNAME": (1040, Type.STRING_ARRAY),
    "SOURCERPM": (1044, Type.STRING),
    "FILEVERIFYFLAGS": (1045, Type.INT32),
    "PROVIDENAME": (1047, Type.STRING_ARRAY),
    "REQUIREFLAGS": (1048, Type.INT32),
    "REQUIRENAME": (1049, Type.STRING_ARRAY),
    "REQUIREVERSION": (1050, Type.STRING_ARRAY),
    "RPMVERSION": (1064, Type.STRING),
    "CHANGELOGTIME": (1080, Type.INT32),
    "CHANGELOGNAME": (1081, Type.STRING_ARRAY),
    "CHANGELOGTEXT": (1082, Type.STRING_ARRAY),
    "PREINPROG": (1085, Type.STRING_ARRAY),
    "POSTINPROG": (1086, Type.STRING_ARRAY),
    "PREUNPROG": (1087, Type.STRING_ARRAY),
    "POSTUNPROG": (1088, Type.STRING_ARRAY),
    "FILEDEVICES": (1095, Type.INT32),
    "FILEINODES": (1096, Type.INT32),
    "FILELANGS": (1097, Type.STRING_ARRAY),
    "PROVIDEFLAGS": (1112, Type.INT32),
    "PROVIDEVERSION": (1113, Type.STRING_ARRAY),
    "DIRINDEXES": (1116, Type.INT32),
    "BASENAMES": (1117, Type.STRING_ARRAY),
    "DIRNAMES": (1118, Type.STRING_ARRAY),
    "PAYLOADFORMAT": (1124, Type.STRING),
    "PAYLOADCOMPRESSOR": (1125, Type.STRING),
    "PAYLOADFLAGS": (1126, Type.STRING),
    "PLATFORM": (1132, Type.STRING),
    "FILEDIGESTALGO": (5011, Type.INT32),
    "ENCODING": (5062, Type.STRING),
    "PAYLOADDIGEST": (5092, Type.STRING_ARRAY),
    "PAYLOADDIGESTALGO": (5093, Type.INT32),
    "PAYLOADDIGESTALT": (5097, Type.STRING_ARRAY),
}

# Dependency flags (rpmds.h).
SENSE_LESS = 0x02
SENSE_GREATER = 0x04
SENSE_EQUAL = 0x08
SENSE_INTERP = 0x100
SENSE_SCRIPT_PRE = 0x200
SENSE_SCRIPT_POST = 0x400
SENSE_SCRIPT_PREUN = 0x800
SENSE_SCRIPT_POSTUN = 0x1000
SENSE_RPMLIB = 0x1000000

# File flags (rpmfiles.h).
FILE_CONFIG = 0x01
FILE_NOREPLACE = 0x10

# OpenPGP hash algorithm numbers, which rpm uses for digests.
HASH_SHA256 = 8
