// A SQLite VFS for crash tests: it wraps the default VFS and kills the process (SIGKILL) at a chosen step
// of a commit. The steps are the calls that order a commit on disk: every xSync of any file, and every
// xDelete (the deletion of the super-journal is a multi-file commit's commit point).
#ifndef FOODCOUNT_SQLITE_FAULT_INJECTION_H
#define FOODCOUNT_SQLITE_FAULT_INJECTION_H

/// Registers the VFS as the default one. Call before opening any database. Returns SQLITE_OK or an error.
int foodcount_fault_vfs_register(void);

/// Starts counting steps from 0. When the count reaches `crash_at` (1-based; 0 never), the process is
/// killed just before that step, or just after it when `after` is non-zero.
void foodcount_fault_vfs_arm(long crash_at, int after);

/// The steps counted since the last arm.
long foodcount_fault_vfs_steps(void);

#endif
