using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

public sealed class JemallocPreloadTests
{
    const string Library = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";

    static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData(MallocChoice.Auto)]
    [InlineData(MallocChoice.Jemalloc)]
    public void Plan_WhenWantedInstalledAndNotLoaded_PreloadsIt_KeepingFreedPages_AndMarksTheTry(MallocChoice choice)
    {
        var changes = JemallocPreload.Plan(choice, loaded: false, Library, Environment());

        Assert.NotNull(changes);
        Assert.Equal(Library, changes["LD_PRELOAD"]);
        Assert.Equal("dirty_decay_ms:-1,muzzy_decay_ms:-1", changes["MALLOC_CONF"]);
        Assert.Equal(Library, changes[JemallocPreload.MarkerVariable]);
    }

    [Fact]
    public void Plan_PutsJemallocFirst_AndKeepsTheUsersPreloadAndOptions()
    {
        var changes = JemallocPreload.Plan(MallocChoice.Auto, loaded: false, Library,
            Environment(("LD_PRELOAD", "/opt/trace.so"), ("MALLOC_CONF", "narenas:2")));

        Assert.NotNull(changes);
        Assert.Equal($"{Library}:/opt/trace.so", changes["LD_PRELOAD"]);   // ld.so(8): the first object's malloc is the one found
        Assert.False(changes.ContainsKey("MALLOC_CONF"));
    }

    [Fact]
    public void Plan_DoesNothing_WhenNotWanted_AlreadyLoaded_AlreadyTried_OrNotInstalled()
    {
        Assert.Null(JemallocPreload.Plan(MallocChoice.System, loaded: false, Library, Environment()));
        Assert.Null(JemallocPreload.Plan(MallocChoice.Retain, loaded: false, Library, Environment()));
        Assert.Null(JemallocPreload.Plan(MallocChoice.Auto, loaded: true, Library, Environment()));
        // Started again once already and still not loaded (the loader refused it): no second try, no loop.
        Assert.Null(JemallocPreload.Plan(MallocChoice.Auto, loaded: false, Library, Environment((JemallocPreload.MarkerVariable, Library))));
        Assert.Null(JemallocPreload.Plan(MallocChoice.Jemalloc, loaded: false, library: null, Environment()));
    }

    [Fact]
    public void IsMapped_FindsTheLibraryByFileName_NotByAPathThatMerelyMentionsIt()
    {
        Assert.True(JemallocPreload.IsMapped(
            "7f1c2a000000-7f1c2a02e000 r--p 00000000 fe:01 1234 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"));
        Assert.False(JemallocPreload.IsMapped(
            "7f1c2a000000-7f1c2a02e000 r--p 00000000 fe:01 1234 /home/libjemalloc.so.2-notes/libc.so.6\n" +
            "7f1c2b000000-7f1c2b001000 rw-p 00000000 00:00 0 [heap]\n"));
    }

    [Fact]
    public void Candidates_AreAbsolutePathsOfTheLibrary()
    {
        Assert.NotEmpty(JemallocPreload.Candidates());
        Assert.All(JemallocPreload.Candidates(), c =>
        {
            Assert.True(Path.IsPathRooted(c));
            Assert.Equal(JemallocPreload.LibraryName, Path.GetFileName(c));
        });
    }
}
