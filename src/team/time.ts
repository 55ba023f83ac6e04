// Time zones and local times as OnCall reads them: a shift's start is wall-clock time in its time zone.

// The format OnCall's shift serializer parses start with: time.strptime(value, "%Y-%m-%dT%H:%M:%S").
export const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

export function isTimeZone(timeZone: string): boolean {
    // Offsets such as +01:00 are not zone names (newer Intl accepts them, OnCall's pytz does not).
    if (!/^[A-Za-z]/.test(timeZone)) return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone });
        return true;
    } catch {
        return false;
    }
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function zoneOffsetMs(instant: number, timeZone: string): number {
    const parts = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
    }).formatToParts(new Date(instant));
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
    const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
    return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a local "YYYY-MM-DDTHH:MM:SS" in a time zone, or a reason why there is none (not a date, or a
 * time skipped by a daylight-saving change).
 */
export function localTimeToInstant(local: string, timeZone: string): Date | string {
    const m = LOCAL_DATETIME.exec(local);
    if (!m) return 'must be a local date and time "YYYY-MM-DDTHH:MM:SS", without offset';
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    if (
        year < 1970 ||
        check.getUTCMonth() !== month - 1 ||
        check.getUTCDate() !== day ||
        hour > 23 ||
        minute > 59 ||
        second > 59
    ) {
        return "is not a valid date and time";
    }
    // The offsets in force a day either side are the only ones this wall time can have: an instant for each that
    // reads back as this wall time. None: a daylight-saving gap skipped it. Two: a repeated hour, and the earlier one
    // is taken, as Python's zoneinfo (fold=0) and Temporal ("compatible") do, east or west of UTC alike.
    const dayMs = 24 * 3600 * 1000;
    const candidates = [
        wall - zoneOffsetMs(wall - dayMs, timeZone),
        wall - zoneOffsetMs(wall + dayMs, timeZone),
    ].filter((instant) => instant + zoneOffsetMs(instant, timeZone) === wall);
    if (candidates.length === 0) return `does not exist in ${timeZone} (skipped by a daylight-saving change)`;
    return new Date(Math.min(...candidates));
}
