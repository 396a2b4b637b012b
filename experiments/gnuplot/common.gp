# Shared settings: the terminal from `term` (pdf or png), output `out`;
# report.py draws every figure twice from the same data, pdfcairo and
# pngcairo.
# Nothing is told apart by colour alone (the figures must read in black
# and white): line type N has a dash type and a point type for lines, and
# PAT[N] is its fill pattern for bars (`dt 1 fs pattern PAT[N] border -1`:
# dt 1, else the bar's border takes N's dash type), the same in every
# figure.  Line types: 1-6 the modes none, plain, selective,
# truncate, elide-paper, elide; 7 ground truth; 8 the paper; 9 and 10
# mirror capped and uncapped.
# pdfcairo sets text at 2/3 of the font size asked (Sans,11: 7.3 pt on a
# 7 in wide figure), pngcairo at 4/3 px per point.
if (term eq 'pdf') {
    set terminal pdfcairo enhanced color font 'Sans,11' size 7in,3.2in
} else {
    set terminal pngcairo enhanced color font 'Sans,12' size 1200,560
}
set output out
set datafile missing 'NaN'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set pointsize 1.3
set offsets -0.4, -0.4, 0, 0     # histograms: no empty slot at either end
set grid ytics lc rgb '#dddddd'
set key top right
set key autotitle columnhead
set key noenhanced              # column heads (capped_plain) as written
# Colours darkened to a spread of gray levels; dash types: 1 solid,
# 2 dashed, 3 dotted, 4 dash-dot, 5 dash-dot-dot.
set linetype 1 lc rgb '#7f7f7f' lw 1.5 pt 1 dt 1
set linetype 2 lc rgb '#c4161c' lw 1.5 pt 2 dt 2
set linetype 3 lc rgb '#d95f02' lw 1.5 pt 4 dt 4
set linetype 4 lc rgb '#8c8c17' lw 1.5 pt 6 dt 3
set linetype 5 lc rgb '#1f5fa0' lw 1.5 pt 8 dt 5
set linetype 6 lc rgb '#1b7a1b' lw 2 pt 7 dt 1
set linetype 7 lc rgb '#000000' lw 1 pt 0 dt (10, 6)
set linetype 8 lc rgb '#6a3d9a' lw 1.5 pt 12 dt 4
set linetype 9 lc rgb '#a50f15' lw 1.5 pt 7 dt 1
set linetype 10 lc rgb '#2166ac' lw 1.5 pt 6 dt 2
# Fill patterns (pngcairo/pdfcairo): 0 empty, 1 cross-hatch, 2 dense
# cross-hatch, 3 solid, 4 '\', 5 '/'.  plain solid, selective and
# truncate cross-hatched, elide-paper and elide hatched opposite ways,
# the truth empty; capped solid, uncapped '/', the paper cross-hatched.
array PAT[10] = [0, 3, 1, 2, 4, 5, 0, 1, 3, 5]

# Centre of bar j (from 0) of n in row r of a clustered histogram (gap 1),
# for labels on bars.
barx(r, j, n) = r + (j - (n - 1) / 2.0) / (n + 1.0)
# '0' under a bar of value 0 (nothing to see, else taken for missing data).
zero(v) = (v == 0 ? '0' : '')
