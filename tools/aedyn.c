/* aedyn: run one experiment of libaedyn from the command line (see aedyn(1)).
 * A thin program over the public API: options in cli-config.c, the run and
 * its outputs in cli-run.c. */
#include <string.h>
#include "cli-config.h"
#include "cli-run.h"

int main(int argc, char **argv)
{
    int first = 1; /* first option */
    int command = CLI_COMMAND_RUN;
    if (argc > 1) {
        const char *cmd = argv[1];
        if (strcmp(cmd, "run") == 0) {
            first = 2;
        } else if (strcmp(cmd, "analyse") == 0 || strcmp(cmd, "analyze") == 0) {
            first = 2;
            command = CLI_COMMAND_ANALYSE;
        } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0) {
            cli_usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(cmd, "--list-options") == 0 && argc == 2) {
            /* hidden: one line per option, read by the test of the man page */
            cli_list_options(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
            printf("aedyn %s (libaedyn %s)\n", AEDYN_VERSION_STRING, aedyn_version_string());
            return CLI_EXIT_OK;
        } else if (strncmp(cmd, "--", 2) != 0) {
            cli_error("unknown command '%s' (commands: run, analyse, help, version; see aedyn "
                      "--help)",
                      cmd);
            return CLI_EXIT_USAGE;
        }
    }
    cli_config cfg;
    cli_config_defaults(&cfg);
    cfg.command = command;
    bool help;
    int rc = cli_parse(&cfg, argc - first, argv + first, &help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (help) {
        cli_usage(stdout);
        return CLI_EXIT_OK;
    }
    return cli_run(&cfg, argc, argv);
}
