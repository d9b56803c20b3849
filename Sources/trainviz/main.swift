print("trainviz")
