namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>The three messages of the lecture's POP3 trace (pop1.pcap), as Postfix handed them to the mailbox, minus the headers delivery adds.</summary>
internal static class LectureMessages
{
    public static string Message(int n) =>
        "Received: from mail.stud.cgri.edu (unknown [10.0.1.3])\r\n" +
        $"\tby mail.cgri.edu (Postfix) with ESMTP id 80B2311571{n}\r\n" +
        "\tfor <user1sld@cgri.edu>; Mon, 28 May 2012 09:54:58 +0000 (UTC)\r\n" +
        "To: user1sld@cgri.edu\r\n" +
        $"Subject: email di user1stud {n}\r\n" +
        $"Message-Id: <20120528095458.4655C1157{n}@mail.stud.cgri.edu>\r\n" +
        "Date: Mon, 28 May 2012 09:54:58 +0000 (UTC)\r\n" +
        "From: root@stud.cgri.edu (root)\r\n" +
        "\r\n" +
        "tanti cari saluti da user1stud\r\n" +
        "\r\n" +
        "User1Stud\r\n";

    /// <summary>What POP3 sends for a message delivered over LMTP: Return-Path and Delivered-To first.</summary>
    public static string AsRetrieved(int n, string sender, string recipient) =>
        $"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n" + Message(n);
}
