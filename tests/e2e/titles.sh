# The title vmcored must give each crash kind of the lab (sourced by the e2e tests).
declare -A title=(
	[SYSRQ]="kernel panic: sysrq triggered crash"
	[BUG]="kernel BUG in crashtest_bug"
	[GPF_PACKET]="general protection fault in crashtest_walk_conns"
	[WARNING]="WARNING in crashtest_warning"
	[NULL]="BUG: unable to handle kernel NULL pointer dereference in crashtest_null_deref"
	[LIST_CORRUPT]="BUG: corrupted list in crashtest_list_corrupt"
	# syzkaller's stall rule: the frame just above the vfs_write anchor.
	[SOFTLOCKUP]="BUG: soft lockup in proc_reg_write"
	[HUNG_TASK]="INFO: task hung in crashtest_hung_task"
	[OOM]="kernel panic: Out of memory: system-wide panic_on_oom is enabled"
	[PANIC]="kernel panic: vmcored_crashtest: panic requested"
)
