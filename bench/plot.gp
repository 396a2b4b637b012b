# Figures of the controller benchmarks from the .dat files that
# bench/summarize.py writes:  gnuplot -e "dir='results/bench'" bench/plot.gp
# Each figure as PNG and PDF.
if (!exists("dir")) dir = "results/bench"

configs = "otc-l2 none-l2 otc-http elide-http osken-l2"
titles = "ovs-testcontroller(L2) ours-none(L2) ovs-testcontroller(HTTP) ours-elide(HTTP) os-ken(L2)"
set style line 1 lc rgb "#7f7f7f" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#1f77b4" lw 2 pt 5 ps 0.8
set style line 3 lc rgb "#bcbd22" lw 2 pt 9 ps 0.8 dt 2
set style line 4 lc rgb "#d62728" lw 2 pt 11 ps 0.8
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 0.8 dt 3
set grid
set key top left

rates = system("ls -v ".dir."/rate-s*.dat 2>/dev/null")
cdfn = system("cat ".dir."/cdf-switches.txt 2>/dev/null")

do for [fmt in "png pdf"] {
    # ---- rate against switches, one panel per frame size ----
    if (words(rates) > 0) {
        if (fmt eq "png") {
            set terminal pngcairo size 520 * words(rates), 440 font ",10"
        } else {
            set terminal pdfcairo size 5.2 * words(rates), 4.4 font ",10"
        }
        set output dir."/rate.".fmt
        set multiplot layout 1, words(rates) title "Packet-In -> Packet-Out rate (median, min-max bars)"
        set logscale x 2
        set logscale y 10
        set xlabel "switches"
        set ylabel "Packet-Outs per second"
        set format y "%.0s%c"
        do for [i = 1:words(rates)] {
            f = word(rates, i)
            s = f[strstrt(f, "rate-s") + 6 : strlen(f) - 4]
            set title s."-byte frames"
            ncol = words(system("grep -m1 '^#' ".f))
            plot for [k = 1:(ncol - 2) / 3] f using 1:(column(3*k-1)):(column(3*k)):(column(3*k+1)) \
                with yerrorlines ls k title word(titles, k)
        }
        unset multiplot
        unset logscale
        set format y "%g"
    }

    # ---- latency CDF ----
    if (words(cdfn) > 0) {
        if (fmt eq "png") {
            set terminal pngcairo size 1040, 440 font ",10"
        } else {
            set terminal pdfcairo size 10.4, 4.4 font ",10"
        }
        set output dir."/latency-cdf.".fmt
        set multiplot layout 1, words(cdfn) title "Packet-In -> Packet-Out latency, one outstanding per switch"
        set logscale x 10
        set xlabel "latency (microseconds)"
        set ylabel "fraction of Packet-Ins"
        set yrange [0:1]
        set key bottom right
        do for [n in cdfn] {
            set title n." switch(es)"
            plot for [k = 1:4] dir."/cdf-".word(configs, k)."-n".n.".dat" \
                using 1:2 with lines ls k title word(titles, k)
        }
        unset multiplot
        unset logscale
        set yrange [*:*]
        set key top left
    }

    # ---- memory against connections ----
    if (system("ls ".dir."/memory-default.dat 2>/dev/null") ne "") {
        if (fmt eq "png") {
            set terminal pngcairo size 700, 460 font ",10"
        } else {
            set terminal pdfcairo size 7, 4.6 font ",10"
        }
        set output dir."/memory.".fmt
        set title "Controller RSS against tracked connections (elide mode)"
        set xlabel "connections opened in the phase"
        set ylabel "RSS (MiB)"
        set format x "%.0s%c"
        set key at graph 0.98, 0.62 right
        plot dir."/memory-default.dat" using 2:(strcol(1) eq "open" ? $3/1024 : NaN) \
                 with linespoints ls 2 title "default table: new connections", \
             "" using 2:(strcol(1) eq "reopen" ? $3/1024 : NaN) \
                 with linespoints ls 3 title "after all closed: as many new ones", \
             dir."/memory-bounded.dat" using 2:(strcol(1) eq "open" ? $3/1024 : NaN) \
                 with linespoints ls 4 title "--max-conns 100000", \
             dir."/memory-default.dat" using 2:(strcol(1) eq "open" ? 256 * $2 / 1048576 : NaN) \
                 with lines ls 1 dt 3 title "256 bytes per connection"
        set format x "%g"
    }
}
