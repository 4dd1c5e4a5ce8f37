namespace ImdbExperiments.Data;

/// <summary>
/// Byte-identical review texts among all labelled reviews (before dedupe). A group is a set of two or more reviews
/// with the same text. <paramref name="RepeatedFiles"/> counts the reviews beyond the first of each group
/// (= reviews - distinct texts); <paramref name="CrossSplitGroups"/> counts groups with members in both train and test;
/// <paramref name="ConflictingLabelGroups"/> counts groups with both a negative and a positive member.
/// </summary>
public sealed record DuplicateStats(int RepeatedFiles, int Groups, int CrossSplitGroups, int ConflictingLabelGroups);
