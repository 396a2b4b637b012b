# The paper's Table 2: packets and bytes that reached the monitor for one
# 36 MB GET, per mirroring mode, mirror capped and uncapped, next to the
# paper's two rows.  Columns of dat: label, capped pkts/bytes, uncapped
# pkts/bytes, paper pkts/bytes.  Variables: dat, out, term.
load 'common.gp'
set multiplot layout 1,2 title 'Table 2: one 36 MB GET, what reached the monitor'
set logscale y
set format y '10^{%L}'
set xtics rotate by -30 left noenhanced
set title 'packets'
plot dat using 2:xtic(1) title 'mirror capped (10 Mbit/s)' lt 9, \
     '' using 4 title 'uncapped' lt 10, \
     '' using 6 title 'paper (IOTS 2016)' lt 8
set title 'bytes'
plot dat using 3:xtic(1) title 'mirror capped (10 Mbit/s)' lt 9, \
     '' using 5 title 'uncapped' lt 10, \
     '' using 7 title 'paper (IOTS 2016)' lt 8
unset multiplot
