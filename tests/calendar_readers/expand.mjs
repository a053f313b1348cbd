// Expand every VEVENT of an iCalendar file with Mozilla's ical.js, the reader inside
// Thunderbird, using only the file's own VTIMEZONEs (as a client does for an unknown or
// custom TZID). Prints one JSON array: {uid, tzid, local, utc} per occurrence.
//   node expand.mjs calendar.ics [max occurrences per event]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [path, limitArg] = process.argv.slice(2);
const limit = Number(limitArg || 1000);
const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));

for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

const pad = (n, width = 2) => String(n).padStart(width, "0");
const wallClock = (t) =>
  `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;

const out = [];
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  const iterator = event.iterator();
  for (let next = iterator.next(), n = 0; next && n < limit; next = iterator.next(), n++) {
    const utc = next.convertToZone(ICAL.Timezone.utcTimezone);
    out.push({
      uid: event.uid,
      tzid: next.zone ? next.zone.tzid : null,
      local: wallClock(next),
      utc: `${wallClock(utc)}Z`,
    });
  }
}
process.stdout.write(JSON.stringify(out));
