/*
 * commands.h - the verbs of the gate CLI, one cmd_<verb>.c each.
 *
 * A command returns the process exit status (see README "Exit codes");
 * main() only dispatches.
 */
#ifndef GATE_CLI_COMMANDS_H
#define GATE_CLI_COMMANDS_H

int cmd_hash(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_version(int argc, char **argv);    /* gate --version */

#endif
