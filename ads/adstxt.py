"""ads.txt / app-ads.txt per IAB Tech Lab ads.txt 1.1: validating lines and writing the file."""

import re

# The record the spec asks for when a publisher authorises no seller (ads.txt 1.1, 3.2.1).
PLACEHOLDER_RECORD = "placeholder.example.com, placeholder, DIRECT, placeholder"
VARIABLES = ["CONTACT", "SUBDOMAIN", "INVENTORYPARTNERDOMAIN", "OWNERDOMAIN", "MANAGERDOMAIN"]
DOMAIN_VARIABLES = {"SUBDOMAIN", "INVENTORYPARTNERDOMAIN", "OWNERDOMAIN", "MANAGERDOMAIN"}

ERROR_FIELD_COUNT = "A record has 3 or 4 comma-separated fields (domain, account id, DIRECT or "
ERROR_FIELD_COUNT += "RESELLER, optional certification id); this line has {count}."
ERROR_DOMAIN = "“{value}” is not a domain name like google.com (no http://, no path)."
ERROR_ACCOUNT = "The account id must not be empty or contain spaces or commas."
ERROR_RELATIONSHIP = "The relationship must be DIRECT or RESELLER, not “{value}”."
ERROR_CERT = "The certification authority id may contain only letters and digits."
ERROR_VARIABLE = "Unknown variable “{name}”; use one of " + ", ".join(VARIABLES) + "."
ERROR_VARIABLE_EMPTY = "{name} needs a value."
ERROR_MANAGER = "MANAGERDOMAIN is a domain, optionally followed by a two-letter country code."

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
_CERT = re.compile(r"^[A-Za-z0-9]{1,64}$")


def is_domain(value: str) -> bool:
    return bool(_DOMAIN.match(value or ""))


def record_errors(*, domain, account_id, relationship, certification_id="") -> dict:
    """Field name → message for everything wrong with one record (empty when valid)."""
    errors = {}
    if not is_domain(domain.strip()):
        errors["domain"] = ERROR_DOMAIN.format(value=domain.strip())
    account = account_id.strip()
    if not account or any(c.isspace() or c == "," for c in account):
        errors["account_id"] = ERROR_ACCOUNT
    if relationship.strip().upper() not in ("DIRECT", "RESELLER"):
        errors["relationship"] = ERROR_RELATIONSHIP.format(value=relationship.strip())
    if certification_id.strip() and not _CERT.match(certification_id.strip()):
        errors["certification_id"] = ERROR_CERT
    return errors


def variable_error(name: str, value: str) -> str | None:
    """What is wrong with one NAME=value line, or None."""
    name = name.strip().upper()
    value = value.strip()
    if name not in VARIABLES:
        return ERROR_VARIABLE.format(name=name)
    if not value:
        return ERROR_VARIABLE_EMPTY.format(name=name)
    if name == "MANAGERDOMAIN":
        domain, _, country = value.partition(",")
        if not is_domain(domain.strip()) or (
            country and not re.fullmatch(r"[A-Za-z]{2}", country.strip())
        ):
            return ERROR_MANAGER
    elif name in DOMAIN_VARIABLES and not is_domain(value):
        return ERROR_DOMAIN.format(value=value)
    return None


def line_error(line: str) -> str | None:
    """What is wrong with one line of an ads.txt file, or None (blanks and comments are fine)."""
    content = line.split("#", 1)[0].strip()
    if not content:
        return None
    if "=" in content and "," not in content.split("=", 1)[0]:
        name, value = content.split("=", 1)
        return variable_error(name, value)
    fields = [field.strip() for field in content.split(";", 1)[0].split(",")]
    if len(fields) not in (3, 4):
        return ERROR_FIELD_COUNT.format(count=len(fields))
    errors = record_errors(
        domain=fields[0],
        account_id=fields[1],
        relationship=fields[2],
        certification_id=fields[3] if len(fields) == 4 else "",
    )
    return " ".join(errors.values()) or None


def validate(text: str) -> list[str]:
    """One "Line N: …" message per bad line of `text`."""
    return [
        f"Line {number}: {error}"
        for number, line in enumerate(text.splitlines(), start=1)
        if (error := line_error(line))
    ]


def render(records, variables) -> str:
    """The file: records, then variables; the placeholder record when there is no record."""
    lines = [record.as_line() for record in records] or [PLACEHOLDER_RECORD]
    lines += [variable.as_line() for variable in variables]
    return "\n".join(lines) + "\n"
