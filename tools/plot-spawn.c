/* Starting gnuplot without a shell; see plot-spawn.h. */
#include "plot-spawn.h"

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Full path of an executable `prog` on $PATH (default /usr/bin:/bin). */
static bool find_in_path(const char *prog, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        int n = snprintf(out, cap, "%.*s/%s", (int)len, path, prog);
        if (len > 0 && n > 0 && (size_t)n < cap && access(out, X_OK) == 0)
            return true;
        path += len + (colon ? 1 : 0);
    }
    return false;
}

plot_spawn_status plot_spawn_gnuplot(const char *script, char *why, size_t why_size)
{
    char gnuplot[4096];
    char dummy[1];
    if (!why || why_size == 0) {
        why = dummy;
        why_size = sizeof dummy;
    }
    why[0] = '\0';
    if (!find_in_path("gnuplot", gnuplot, sizeof gnuplot))
        return PLOT_SPAWN_NOT_FOUND;
    char *argv[] = { gnuplot, (char *)script, NULL };
    pid_t pid;
    int err = posix_spawn(&pid, gnuplot, NULL, NULL, argv, environ);
    if (err != 0) {
        snprintf(why, why_size, "posix_spawn %s: %s", gnuplot, strerror(err));
        return PLOT_SPAWN_FAILED;
    }
    int status;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (w < 0) {
        snprintf(why, why_size, "waitpid: %s", strerror(errno));
        return PLOT_SPAWN_FAILED;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return PLOT_SPAWN_OK;
    if (WIFEXITED(status))
        snprintf(why, why_size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(why, why_size, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, why_size, "wait status %d", status);
    return PLOT_SPAWN_FAILED;
}

bool plot_gp_quotable(const char *s)
{
    return strpbrk(s, "\n\r") == NULL;
}

bool plot_gp_string(FILE *f, const char *s)
{
    if (!plot_gp_quotable(s))
        return false;
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
    return true;
}
