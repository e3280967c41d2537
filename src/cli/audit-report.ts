/** The text `cairn admin audit verify` prints for a VerifyReport (offline or from a server). */
import type { VerifyReport } from '../infra/eventlog/log-verifier';

export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const drive of report.drives) {
    if (drive.unreadable) {
      lines.push(`drive ${drive.drive}: NOT VERIFIED (${drive.unreadable})`);
      continue;
    }
    const state = drive.firstBad
      ? `BAD: first bad record: seq ${drive.firstBad.seq}, event ${drive.firstBad.eventId}: ${drive.firstBad.problem}`
      : 'chain intact';
    const head = drive.head && drive.head.seq > 0 ? `, head seq ${drive.head.seq} hash ${drive.head.hash}` : '';
    lines.push(`drive ${drive.drive}: ${drive.records} records${head}, ${state}${drive.behind > 0 ? `; behind its peers by ${drive.behind} events` : ''}`);
  }
  for (const finding of report.findings) {
    lines.push(`FAIL drive ${finding.drive} seq ${finding.seq} event ${finding.eventId || '-'}: ${finding.problem}`);
  }
  if (report.findingCount > report.findings.length) lines.push(`... and ${report.findingCount - report.findings.length} more findings`);
  const unreadable = report.drives.filter((drive) => drive.unreadable).length;
  const verdict = report.ok
    ? 'OK: every hash, sequence and event matches'
    : report.findingCount > 0
      ? `FAILED: ${report.findingCount} finding(s)`
      : unreadable > 0
        ? `INCOMPLETE: ${unreadable} drive(s) could not be verified`
        : 'FAILED: no drive could be read';
  lines.push(`verify: ${report.drives.length} drives, ${report.events} events: ${verdict}`);
  return lines.join('\n');
}
