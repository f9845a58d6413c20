# METADATA
# title: secure-run review
# description: |
#   Judges an app definition and its plan against built-in rules and the organisation's
#   configuration. Each decision names its rule, level (deny, warn, info), message and the field
#   of the app definition it concerns. Rules set to "off" in the configuration are dropped.
package secure_run.review

import data.secure_run.review.capabilities
import data.secure_run.review.filesystem
import data.secure_run.review.limits
import data.secure_run.review.process
import data.secure_run.review.syscalls

all_decisions := (((capabilities.decisions | syscalls.decisions) | filesystem.decisions) | limits.decisions) | process.decisions

# The entry point evaluated by the engine.
decisions := [d | some d in all_decisions; d.level != "off"]
