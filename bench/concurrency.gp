# Figure of benchmark 3 from concurrency.dat (bench/e2e_concurrency.sh):
#   gnuplot -e "dir='results/bench/concurrency'" bench/concurrency.gp
# Left: completed requests per second against concurrency, per
# configuration.  Right: for `elide-ct`, each component's CPU (% of one core)
# and the mirror link's utilisation of its cap.  PNG and PDF.
if (!exists("dir")) dir = "results/bench/concurrency"
f = dir."/concurrency.dat"
configs = "nocontroller plain elide-paper elide-flows elide-ct"
set style line 1 lc rgb "#7f7f7f" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#1f77b4" lw 2 pt 5 ps 0.8
set style line 3 lc rgb "#bcbd22" lw 2 pt 9 ps 0.8
set style line 4 lc rgb "#d62728" lw 2 pt 11 ps 0.8
set style line 5 lc rgb "#2ca02c" lw 2 pt 13 ps 0.8
set style line 6 lc rgb "#9467bd" lw 2 pt 3 ps 0.8
set style line 7 lc rgb "#000000" lw 2 pt 1 ps 0.8 dt 2
set grid
set logscale x 2
set xlabel "concurrent transfers (curl --parallel-max)"
# The rows of one configuration, as a data source (lines join its points).
rows(c) = "< awk '$2 == \"".c."\"' ".f

do for [fmt in "png pdf"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1100, 440 font ",10"
    } else {
        set terminal pdfcairo size 11, 4.4 font ",10"
    }
    set output dir."/concurrency.".fmt
    set multiplot layout 1, 2 title "mixed workload (AGH 2015 flow sizes), one new connection per request"
    set title "completed requests per second"
    set ylabel "requests/s"
    set key top left
    plot for [k = 1:words(configs)] rows(word(configs, k)) using 1:6 \
        with linespoints ls k title word(configs, k)
    set title "elide-ct: CPU per component (left axis), mirror load (right axis)"
    set ylabel "% of one core"
    set y2label "offered mirror load, % of the 10 Mbit/s cap"
    set yrange [0:100]
    set y2range [0:*]
    set ytics nomirror
    set y2tics
    set key top left
    e = rows("elide-ct")
    plot e using 1:11 w lp ls 4 t "controller", \
         e using 1:12 w lp ls 2 t "ovs-vswitchd main thread", \
         e using 1:13 w lp ls 1 t "ovs-vswitchd other threads", \
         e using 1:14 w lp ls 5 t "nginx", \
         e using 1:15 w lp ls 6 t "curl", \
         e using 1:21 axes x1y2 w lp ls 7 t "mirror load (right axis)"
    unset yrange
    unset y2range
    unset y2tics
    unset y2label
    set ytics mirror
    unset multiplot
}
