// run after scratch2 bundle: count distinct maps of states produced by reduce
