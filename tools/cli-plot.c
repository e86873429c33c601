/* --plot of `aedyn run`: the gnuplot script PREFIX.gp of the errors over
 * log time with the PCA levels, rendered by gnuplot when it is installed
 * (plot-spawn.c: no shell). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli-output.h"
#include "cli-plot.h"
#include "plot-spawn.h"

/* PREFIX.gp: the errors over log time with the PCA levels; the image when
 * gnuplot is installed (PREFIX.png, or PREFIX.svg with --plot-format svg). The
 * first data row (t = 0) is skipped on the log axis. */
bool cli_plot(cli_state *r)
{
    bool ok = false;
    char *gp = strdup(cli_out_path(r, ".gp"));
    char *csv = strdup(cli_out_path(r, ".csv"));
    bool svg = r->cfg->plot_format == CLI_PLOT_SVG;
    char *png = strdup(cli_out_path(r, svg ? ".svg" : ".png"));
    if (gp && !plot_gp_quotable(gp)) {
        cli_error("--plot: the output prefix has a line break, which a gnuplot script cannot "
                  "quote; no plot written");
        goto out;
    }
    FILE *f = gp && csv && png ? fopen(gp, "w") : NULL;
    if (!f) {
        cli_error("--plot: cannot write '%s'", gp ? gp : "the gnuplot script");
        goto out;
    }
    fprintf(f, "# gnuplot script written by aedyn %s; run: gnuplot ", aedyn_version_string());
    plot_gp_string(f, gp);
    fprintf(f, "\nset terminal %s size 900,600 noenhanced\nset output ", svg ? "svg" : "png");
    plot_gp_string(f, png);
    fputs("\nset datafile separator ','\nset logscale x\nset logscale y\n"
          "set xlabel 't = steps/D'\n",
          f);
    fprintf(f, "set ylabel '%s'\nset key top right\nset grid\nplot ",
            r->dae ? "denoising error E[(1/2D)|x - xhat(a x + sigma_n xi)|^2]"
                   : "error E[(1/2D)|x - xhat|^2]");
    bool first = true;
    if (r->rep) {
        /* the band: between the first and the last quantile (mean +- std with
         * fewer than two), then the mean; columns as cli-output.c writes them */
        const size_t K = r->K, nq = r->cfg->quantiles.n;
        const size_t c_std = 3 + K + 8 * K * K + 1, c_lo = c_std + 1, c_hi = c_std + nq;
        plot_gp_string(f, csv);
        if (nq >= 2) {
            fprintf(f, " skip 2 using 1:%zu:%zu with filledcurves fs transparent solid 0.3 "
                    "lc rgb '#4477aa' title 'SGD, quantiles %g to %g of %zu replicas', \\\n     ",
                    c_lo, c_hi, r->cfg->quantiles.v[0], r->cfg->quantiles.v[nq - 1],
                    r->cfg->replicas);
        } else {
            fprintf(f, " skip 2 using 1:($2-$%zu):($2+$%zu) with filledcurves fs transparent "
                    "solid 0.3 lc rgb '#4477aa' title 'SGD mean +- std of %zu replicas', "
                    "\\\n     ", c_std, c_std, r->cfg->replicas);
        }
        plot_gp_string(f, csv);
        fputs(" skip 2 using 1:2 with lines lw 2 lc rgb '#4477aa' title 'SGD mean'", f);
        first = false;
    } else if (r->run_sgd) {
        plot_gp_string(f, csv);
        fputs(" skip 2 using 1:2 with linespoints pt 7 ps 0.6 title 'SGD'", f);
        first = false;
    }
    if (r->run_ode) {
        fputs(first ? "" : ", \\\n     ", f);
        plot_gp_string(f, csv);
        fputs(r->rep ? " skip 2 using 1:3 with lines lw 2 lc rgb '#cc3311' title 'ODE'"
                     : " skip 2 using 1:3 with lines lw 2 title 'ODE'", f);
        first = false;
    }
    if (r->band) {
        /* the theory's band, mean +- std, dashed; its columns are the last four */
        size_t c = 3 + r->K + 8 * r->K * r->K + 1;
        if (r->rep)
            c += r->n_values * (1 + r->cfg->quantiles.n);
        fputs(first ? "" : ", \\\n     ", f);
        plot_gp_string(f, csv);
        fprintf(f, " skip 2 using 1:($%zu-$%zu) with lines dt 2 lw 2 lc rgb '#117733' "
                "title 'theory: mean - std', \\\n     ", c, c + 1);
        plot_gp_string(f, csv);
        fprintf(f, " skip 2 using 1:($%zu+$%zu) with lines dt 2 lw 2 lc rgb '#117733' "
                "title 'theory: mean + std'", c, c + 1);
        first = false;
    }
    for (size_t m = 1; m <= r->K; m++)
        fprintf(f, ", \\\n     %.17g with lines dt 2 lc rgb 'gray' title 'pca(%zu)'",
                r->pca[m - 1], m);
    fputc('\n', f);
    bool written = fflush(f) == 0 && !ferror(f);
    if (fclose(f) != 0 || !written) {
        cli_error("--plot: error writing '%s': %s", gp, strerror(errno));
        goto out;
    }
    char why[128];
    switch (plot_spawn_gnuplot(gp, why, sizeof why)) {
    case PLOT_SPAWN_OK:
        if (!r->cfg->quiet)
            printf("plot: %s\n", png);
        ok = true;
        break;
    case PLOT_SPAWN_NOT_FOUND:
        fprintf(stderr, "aedyn: gnuplot not found: wrote %s, skipped %s\n", gp, png);
        ok = true;
        break;
    case PLOT_SPAWN_FAILED:
        cli_error("--plot: gnuplot failed on %s (%s)", gp, why);
        break;
    }
out:
    free(gp);
    free(csv);
    free(png);
    return ok;
}

