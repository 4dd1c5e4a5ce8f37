Console.WriteLine("imdbx");
