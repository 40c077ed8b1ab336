"""CronJob schedules the way kube-apiserver validates them and the CronJob controller reads
them: the standard parser of github.com/robfig/cron/v3 (five fields minute, hour, day of month,
month, day of week; `*`, `?`, ranges, steps, lists, month and weekday names; the descriptors
`@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly` and `@every
<Go duration>`; an optional `TZ=`/`CRON_TZ=` prefix). Error texts are the library's, since the
API server returns them verbatim in its 422.

Pure: times are Unix seconds; nothing here reads a clock."""

import datetime
import re
import zoneinfo

import govalue

UTC = datetime.timezone.utc

_MONTHS = {n: i + 1 for i, n in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_WEEKDAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}

# (low, high, names) of minute, hour, day of month, month, day of week.
_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _WEEKDAYS))

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_INT = re.compile(r"^[+-]?[0-9]+$")
_INT64_MAX = 2 ** 63 - 1


class ScheduleError(ValueError):
    """A schedule the parser refuses; str() is robfig/cron's message."""


def time_zone(name):
    """The zone of a CronJob's spec.timeZone (None: UTC, the controller manager's zone);
    raises ScheduleError with Go's time.LoadLocation message."""
    if name is None or name == "UTC":
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name}")


class Schedule:
    """A parsed schedule: either fields (sets of allowed values) or a constant delay."""

    def __init__(self, fields=None, stars=(False, False), every=None, zone=UTC):
        self.fields = fields          # (minutes, hours, days, months, weekdays) as sets
        self.dom_star, self.dow_star = stars
        self.every = every            # whole seconds for `@every`, else None
        self.zone = zone

    # ---- matching in wall-clock time ----------------------------------------------------

    def _day_matches(self, d):
        _, _, days, _, weekdays = self.fields
        dom = d.day in days
        dow = (d.isoweekday() % 7) in weekdays
        # cron's rule: with either field a star, both must match; otherwise either may.
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def _local(self, t):
        return datetime.datetime.fromtimestamp(t, self.zone).replace(tzinfo=None)

    def _epoch(self, wall):
        return wall.replace(tzinfo=self.zone).timestamp()

    def next(self, t):
        """The first scheduled time strictly after t, or None when there is none within five
        years (like `0 0 30 2 *`)."""
        if self.every is not None:
            return float(int(t // 1) + self.every)
        minutes, hours, _, months, _ = self.fields
        wall = self._local(t).replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        limit = wall.year + 5
        while wall.year <= limit:
            if wall.month not in months:
                wall = (wall.replace(day=1, hour=0, minute=0) + datetime.timedelta(days=32)) \
                    .replace(day=1)
            elif not self._day_matches(wall):
                wall = wall.replace(hour=0, minute=0) + datetime.timedelta(days=1)
            elif wall.hour not in hours:
                wall = wall.replace(minute=0) + datetime.timedelta(hours=1)
            elif wall.minute not in minutes:
                wall += datetime.timedelta(minutes=1)
            else:
                at = self._epoch(wall)
                if at > t:
                    return at
                wall += datetime.timedelta(minutes=1)
        return None

    def latest(self, t):
        """The last scheduled time at or before t (fields only), or None within five years."""
        minutes, hours, _, months, _ = self.fields
        wall = self._local(t).replace(second=0, microsecond=0)
        limit = wall.year - 5
        one = datetime.timedelta(minutes=1)
        while wall.year >= limit:
            if wall.month not in months:
                wall = wall.replace(day=1, hour=0, minute=0) - one
            elif not self._day_matches(wall):
                wall = wall.replace(hour=0, minute=0) - one
            elif wall.hour not in hours:
                wall = wall.replace(minute=0) - one
            elif wall.minute not in minutes:
                wall -= one
            else:
                at = self._epoch(wall)
                if at <= t:
                    return at
                wall -= one
        return None


def most_recent(schedule, earliest, now):
    """The CronJob controller's mostRecentScheduleTime: (the latest scheduled time after
    `earliest` and at or before `now` or None, how many were missed approximately)."""
    t1 = schedule.next(earliest)
    if t1 is None or now < t1:
        return None, 0
    t2 = schedule.next(t1)
    if t2 is None or now < t2:
        return t1, 1
    interval = max(1, round(t2 - t1))
    missed = int((now - t1) // interval) + 1
    if schedule.every is not None:
        return t1 + ((now - t1) // schedule.every) * schedule.every, missed
    return schedule.latest(now), missed


# ---- parsing --------------------------------------------------------------------------------

def parse(spec, zone=UTC):
    """cron.ParseStandard: a Schedule, or raises ScheduleError. `zone` is the CronJob's
    spec.timeZone (a `TZ=` prefix in the spec overrides it)."""
    if not spec:
        raise ScheduleError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i = spec.find(" ")
        if i == -1:
            raise ScheduleError(f"invalid timezone specification: {spec}")
        name = spec[spec.find("=") + 1:i]
        try:
            zone = time_zone(name)
        except ScheduleError as e:
            raise ScheduleError(f"provided bad location {name}: {e}")
        spec = spec[i:].strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            spec = _DESCRIPTORS[spec]
        elif spec.startswith("@every "):
            try:
                seconds = parse_go_duration(spec[len("@every "):])
            except ValueError as e:
                raise ScheduleError(f"failed to parse duration {spec}: {e}")
            # cron.Every: at least one second, whole seconds.
            return Schedule(every=max(1, int(seconds)), zone=zone)
        else:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: "
                            f"[{' '.join(fields)}]")
    sets, stars = [], []
    for text, bounds in zip(fields, _BOUNDS):
        values, star = _field(text, bounds)
        sets.append(values)
        stars.append(star)
    return Schedule(tuple(sets), (stars[2], stars[4]), zone=zone)


def _field(text, bounds):
    """A comma-separated list of ranges: (allowed values, whether it counts as a star)."""
    values, star = set(), False
    for expr in (part for part in text.split(",") if part):
        more, is_star = _range(expr, bounds)
        values |= more
        star = star or is_star
    return values, star


def _range(expr, bounds):
    low, high, names = bounds
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    star = False
    if low_high[0] in ("*", "?"):
        start, end, star = low, high, True
    else:
        start = _int_or_name(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names)
        else:
            raise ScheduleError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _int(range_and_step[1])
        if len(low_high) == 1:  # "N/step" means "N-max/step"
            end = high
        if step > 1:
            star = False
    else:
        raise ScheduleError(f"too many slashes: {expr}")
    if start < low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ScheduleError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _int_or_name(text, names):
    if names and text.lower() in names:
        return names[text.lower()]
    return _int(text)


def _int(text):
    """strconv.Atoi, then the parser's sign check."""
    if not _INT.match(text):
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing "
                            f"{govalue.quote(text)}: invalid syntax")
    value = int(text)
    if abs(value) > _INT64_MAX:
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing "
                            f"{govalue.quote(text)}: value out of range")
    if value < 0:
        raise ScheduleError(f"negative number ({value}) not allowed: {text}")
    return value


# ---- Go durations (time.ParseDuration) ---------------------------------------------------------

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
          "m": 60.0, "h": 3600.0}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def parse_go_duration(text):
    """Seconds of a Go duration string ("1h30m", "90s", "1.5h"); ValueError with Go's
    message otherwise."""
    quoted = govalue.quote(text)
    rest = text
    sign = 1.0
    if rest[:1] in ("+", "-"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        m = _PART.match(rest)
        number, unit = m.group(1), m.group(2)
        if number in ("", "."):
            raise ValueError(f"time: invalid duration {quoted}")
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            # the unit runs up to the next digit or '.', as Go reads it
            raise ValueError(f"time: unknown unit {govalue.quote(unit)} in duration {quoted}")
        total += float(number) * _UNITS[unit]
        rest = rest[m.end():]
    return sign * total
