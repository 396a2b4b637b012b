# Shared settings: the terminal from `term` (pdf or png), output `out`.
# Line types: 1-6 the modes none, plain, selective, truncate, elide-paper,
# elide (the same colour in every figure); 7 ground truth; 8 the paper;
# 9 and 10 mirror capped and uncapped.
if (term eq 'pdf') {
    set terminal pdfcairo enhanced color font 'Sans,9' size 7in,3.2in
} else {
    set terminal pngcairo enhanced color font 'Sans,10' size 1200,560
}
set output out
set datafile missing 'NaN'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb '#dddddd'
set key top right
set key autotitle columnhead
set linetype 1 lc rgb '#7f7f7f' lw 1.5 pt 1
set linetype 2 lc rgb '#d62728' lw 1.5 pt 2
set linetype 3 lc rgb '#ff7f0e' lw 1.5 pt 4
set linetype 4 lc rgb '#bcbd22' lw 1.5 pt 6
set linetype 5 lc rgb '#1f77b4' lw 1.5 pt 8
set linetype 6 lc rgb '#2ca02c' lw 1.5 pt 7
set linetype 7 lc rgb '#000000' lw 1.5 pt 0
set linetype 8 lc rgb '#9467bd' lw 1.5
set linetype 9 lc rgb '#c0392b' lw 1.5
set linetype 10 lc rgb '#2980b9' lw 1.5
