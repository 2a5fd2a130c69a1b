// Permission tests need a process that the file system's permission bits apply to. Root ignores
// them (CAP_DAC_OVERRIDE), so as root the child runs under setpriv with every capability dropped:
// still uid 0, so it can read the checkout wherever it lies (running it as "nobody" failed when the
// clone sat in a private mktemp folder that nobody may enter), but a folder without write
// permission, or a mode-000 folder, refuses it as it refuses any user.
import { spawnSync } from 'node:child_process';

const SETPRIV = ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--securebits=+noroot,+noroot_locked', '--'];

let probed: string[] | string | undefined;

/**
 * The command prefix that runs a child without permission overrides: [] when this process is not
 * root, setpriv's arguments when it is. A string (the reason) when root and setpriv cannot drop
 * the capabilities here, for the test to skip with.
 */
export function unprivilegedPrefix(): string[] | string {
  if (probed !== undefined) return probed;
  if (process.platform === 'win32') return (probed = 'POSIX permissions');
  if (process.getuid?.() !== 0) return (probed = []);
  const r = spawnSync(SETPRIV[0], [...SETPRIV.slice(1), 'sh', '-c', 'grep -q "^CapEff:[[:space:]]*0*$" /proc/self/status'], { encoding: 'utf8' });
  probed = r.status === 0 ? SETPRIV : `running as root and cannot drop capabilities with setpriv (${r.error?.message ?? r.stderr.trim()})`;
  return probed;
}
