// Imaging: PNG I/O, colour maps, grids, charts.
