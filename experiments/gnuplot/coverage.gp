# Header coverage (% of request and response heads fully present on the
# mirror) per workload and mode, mirror capped.  Columns of dat: workload,
# none, plain, selective, truncate, elide-paper, elide ("none" is 0 by
# construction and not drawn).  Bars hatched (PAT in common.gp); a bar of
# 0 is marked 0, a workload without heads (TLS: the analyzer reads no
# HTTP heads there) "not measured".  Variables: dat, out, term.
load 'common.gp'
set title 'L7 header coverage on the mirror, capped at 10 Mbit/s'
set yrange [0:105]
set ytics 0, 20, 100
set ylabel 'heads covered whole (% of all heads)'
set xlabel 'workload'
set key outside right top
plot for [c=3:7] dat using c:xtic(1) lt (c-1) dt 1 fs pattern PAT[c-1] border -1, \
     for [c=3:7] '' using (barx($0, c-3, 5)):(0):(zero(column(c))) \
         with labels offset 0,0.7 notitle, \
     '' using ($0):(50):((sum [c=3:7] (column(c) == column(c) ? 1 : 0)) == 0 \
         ? 'not measured' : '') with labels notitle
