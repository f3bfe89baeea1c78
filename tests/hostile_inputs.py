"""Hostile text and files for the reliability suite: what anyone in a server might type or attach.

`TEXTS` is every argument tried with every command on both adapters; `goodreads_files()` are the
attachments and paths tried with `import`.
"""

from __future__ import annotations

import random

MENTIONS = ["@everyone", "@here", "<@123>", "<@!123>", "<@&123>", "<#123>",
            "@everyone @here <@1> <@!2> <@&3>", "@\u200beveryone", "＠everyone", "@@everyone",
            "<@123456789012345678>", "<@&987654321098765432>", "@everyone\n@here"]
LONG = ["x" * 5000, "x" * 100_000, "The Hobbit " * 455, "@everyone " * 500,
        "📚" * 5000, "a\u0301" * 2500, "<@123>" * 1000, "The Hobbit" + " " * 5000 + "5",
        "```" * 2000, "\n" * 5000]
LAYOUT = ["The\nHobbit", "The\tHobbit", "The Hobbit\r\n5", "\n\n\n", "\t", "   ", "",
          "The Hobbit\n@everyone", "\x0bThe Hobbit\x0c", "The\u2028Hobbit\u2029"]
INVISIBLE = ["The\u200bHobbit", "\u200b" * 10, "\ufeffThe Hobbit", "\u202eThe Hobbit",
             "\u202e@everyone", "\u202ekoobeR ehT\u202c", "The Hobbit" + "\u0301" * 50,
             "T̸̡̛h̷e̵ ̶H̴o̷b̸b̷i̴t̷", "\u2066The Hobbit\u2069", "\u00adThe\u00ad Hobbit",
             "\u034f\u034f", "The Hobbit\u200d5", "\U000e0041\U000e0042"]
NUL = ["\x00", "The Hobbit\x00", "\x00" * 1000, "The\x00Hobbit 5", "\x00@everyone",
       "\x07\x08\x1b[31mred\x1b[0m", "\ud800", "The Hobbit \udfff"]
MARKDOWN = ["**bold**", "`code`", "```py\nprint('x')\n```", "||spoiler||", "> quote",
            "# heading", "[click](https://evil.example/)", "~~strike~~", "__under__",
            "\\", "*The Hobbit*", "-# small", "[The Hobbit](javascript:alert(1))",
            "<https://evil.example>", "<t:0:R>", "<:emoji:123>", "<a:emoji:123>",
            "</read:123>"]
SQL = ["'); DROP TABLE reads; --", "' OR '1'='1", "1; DELETE FROM reads", "\" OR \"\"=\"",
       "Robert'); DROP TABLE Students;--", "%' OR 1=1 --", "The Hobbit' --",
       "'; ATTACH DATABASE '/tmp/x' AS x; --", "UNION SELECT * FROM sqlite_master",
       "The Hobbit'); UPDATE reads SET rating=1; --"]
FORMAT = ["{0.__class__}", "{0.__class__.__init__.__globals__}", "%s%n", "%x%x%x%x",
          "{}", "{user}", "${jndi:ldap://x}", "{{7*7}}", "%(token)s", "{token}",
          "{self.bot.http.token}", "$(whoami)", "`whoami`"]
PATHS = ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "/proc/self/environ",
         "/dev/zero", "~/.ssh/id_rsa", "file:///etc/passwd", "../../etc/passwd.csv",
         "/dev/zero.csv", "/proc/self/environ\x00.csv", "/", ".", "..", "~", "/tmp",
         "\"/etc/passwd\"", "/etc/shadow.csv", "/nonexistent/" + "a" * 300 + ".csv"]
EMOJI = ["📚", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇬🇧🇫🇷", "The Hobbit 📚", "📚 5", "🔥" * 50,
         "The Hobbit ⭐⭐⭐⭐⭐", "The Hobbit ⭐⭐⭐⭐⭐⭐⭐", "The Hobbit ☆☆☆"]
RATINGS = ["The Hobbit 999999999999", "The Hobbit -1", "The Hobbit 4.5", "The Hobbit NaN",
           "The Hobbit rating=nan", "The Hobbit rating=inf", "The Hobbit rating=1e309",
           "The Hobbit rating=-0", "The Hobbit 0", "The Hobbit 6", "The Hobbit rating=٣",
           "The Hobbit rating=", "The Hobbit 5/5/5", "The Hobbit rating=5.0",
           "The Hobbit rating=0x5", "The Hobbit rating=+5", "The Hobbit 10/5",
           "The Hobbit rating=99999999999999999999999", "The Hobbit -5 stars",
           "The Hobbit rating=½"]
NUMBERS = ["0", "-5", "99999999999999999999", "1.5", "NaN", "inf", "0x10", "1_000", "-0",
           "1e3", "٣", "²", "25", "26", "10**100"]
WORDS = ["confirm", "CONFIRM", "confirm @everyone", "!", "!!", "!similar", "!forget confirm",
         "Тhe Hobbit", "THE HOBBIT", "the hobbit", "hobbit", "The Hobbit 5", "The Hobbit",
         "Dune", "War and Peace 3", "1984", "Middle-earth", "Evolution", "Tolkien"]

TEXTS: list[str] = list(dict.fromkeys(
    MENTIONS + LONG + LAYOUT + INVISIBLE + NUL + MARKDOWN + SQL + FORMAT + PATHS + EMOJI
    + RATINGS + NUMBERS + WORDS
    # the same hostile pieces around a real title, so they reach matching and the store
    + [f"The Hobbit {m}" for m in MENTIONS + SQL[:4] + FORMAT[:4]]
    + [f"{m} The Hobbit 5" for m in MENTIONS[:6] + MARKDOWN[:6]]))

HEADER = "Book Id,Title,Author,My Rating,Date Read,Exclusive Shelf\n"


def csv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def goodreads_files() -> dict[str, bytes]:
    """Name -> bytes of a file offered to `import`: broken exports and exports of hostile text."""
    rng = random.Random(6)
    files = {
        "empty": b"",
        "binary": bytes(rng.randrange(256) for _ in range(4096)),
        "nul": b"\x00" * 1000,
        "png": b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(500)),
        "header-only": HEADER.encode(),
        "missing-columns": b"Title,Author\nThe Hobbit,J.R.R. Tolkien\n",
        "missing-title": b"Author,Exclusive Shelf\nJ.R.R. Tolkien,read\n",
        "extra-columns": (HEADER.strip() + "".join(f",Extra {i}" for i in range(60)) + "\n"
                          + "1,The Hobbit,J.R.R. Tolkien,5,2020/01/01,read" + ",x" * 60
                          + "\n").encode(),
        "short-rows": (HEADER + "1,The Hobbit\n2\n,,,,,\n").encode(),
        "unbalanced-quote": (HEADER + '1,"The Hobbit,J.R.R. Tolkien,5,2020/01/01,read\n').encode(),
        "huge-cell": (HEADER + "1," + "x" * 200_000 + ",a,5,2020/01/01,read\n").encode(),
        "many-rows": (HEADER + "".join(f"{i},Book number {i},Nobody,3,2020/01/01,read\n"
                                       for i in range(12_000))).encode(),
        "enormous": HEADER.encode() + b"1,The Hobbit,x,5,2020/01/01,read\n" * 160_000,
        "utf16": HEADER.encode("utf-16") + "1,The Hobbit,J.R.R. Tolkien,5,2020/01/01,read\n"
        .encode("utf-16"),
        "latin1": (HEADER + "1,Caf\xe9,Jos\xe9,4,2020/01/01,read\n").encode("latin-1"),
        "crlf": (HEADER + "1,The Hobbit,J.R.R. Tolkien,5,2020/01/01,read\n").replace(
            "\n", "\r\n").encode(),
        "formula": (HEADER + "1,\"=cmd|' /C calc'!A0\",@SUM(1),5,2020/01/01,read\n").encode(),
        "bad-values": (HEADER + "1,The Hobbit,J.R.R. Tolkien,NaN,9999/99/99,read\n"
                       "2,The Silmarillion,J.R.R. Tolkien,-3,yesterday,read\n"
                       "3,Dune,Frank Herbert,4.5,,READ\n").encode(),
    }
    for i, text in enumerate(TEXTS):
        row = f"{i},{csv_quote(text)},{csv_quote(text)},5,2020/01/01,read\n"
        files[f"text-{i}"] = (HEADER + row + "1,The Hobbit,J.R.R. Tolkien,4,,read\n").encode(
            "utf-8", "surrogatepass")
    return files
