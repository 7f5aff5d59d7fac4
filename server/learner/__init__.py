"""The control plane's learner: feeds committed rows to the policies, snapshots, replays after a restart."""
