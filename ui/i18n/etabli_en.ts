<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Answer the question</source>
        <translation>Answer the question</translation>
    </message>
    <message>
        <source>Follow the check</source>
        <translation>Follow the check</translation>
    </message>
    <message>
        <source>Plug the device back in</source>
        <translation>Plug the device back in</translation>
    </message>
    <message>
        <source>Image file</source>
        <translation>Image file</translation>
    </message>
    <message>
        <source>Plug back in</source>
        <translation>Plug back in</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>Tablet</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>Laptop</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>Desktop computer</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Drive</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>See the results</source>
        <translation>See the results</translation>
    </message>
    <message>
        <source>Start the check</source>
        <translation>Start the check</translation>
    </message>
    <message>
        <source>Follow the erasure</source>
        <translation>Follow the erasure</translation>
    </message>
    <message>
        <source>Follow the installation</source>
        <translation>Follow the installation</translation>
    </message>
    <message>
        <source>How to reconnect it</source>
        <translation>How to reconnect it</translation>
    </message>
    <message>
        <source>Dock its disk</source>
        <translation>Dock its disk</translation>
    </message>
    <message>
        <source>Waiting for a free slot</source>
        <translation>Waiting for a free slot</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>Your answer is needed</source>
        <translation>Your answer is needed</translation>
    </message>
    <message>
        <source>Check finished</source>
        <translation>Check finished</translation>
    </message>
    <message>
        <source>Check failed</source>
        <translation>Check failed</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>Blocked</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>Interrupted</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>Abandoned</translation>
    </message>
    <message>
        <source>Erasing…</source>
        <translation>Erasing…</translation>
    </message>
    <message>
        <source>Data erased</source>
        <translation>Data erased</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Installing…</translation>
    </message>
    <message>
        <source>System installed</source>
        <translation>System installed</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>Unplugged</source>
        <translation>Unplugged</translation>
    </message>
    <message>
        <source>unplugged</source>
        <translation>unplugged</translation>
    </message>
    <message>
        <source>Registered with code %1</source>
        <translation>Registered with code %1</translation>
    </message>
    <message>
        <source>Identified</source>
        <translation>Identified</translation>
    </message>
    <message>
        <source>Pre-sorted: %1</source>
        <translation>Pre-sorted: %1</translation>
    </message>
    <message>
        <source>Attached to a donation</source>
        <translation>Attached to a donation</translation>
    </message>
    <message>
        <source>Check started</source>
        <translation>Check started</translation>
    </message>
    <message>
        <source>Work began</source>
        <translation>Work began</translation>
    </message>
    <message>
        <source>Step started: %1</source>
        <translation>Step started: %1</translation>
    </message>
    <message>
        <source>Step failed: %1</source>
        <translation>Step failed: %1</translation>
    </message>
    <message>
        <source>Check blocked</source>
        <translation>Check blocked</translation>
    </message>
    <message>
        <source>Check cancelled</source>
        <translation>Check cancelled</translation>
    </message>
    <message>
        <source>Check interrupted</source>
        <translation>Check interrupted</translation>
    </message>
    <message>
        <source>Check resumed</source>
        <translation>Check resumed</translation>
    </message>
    <message>
        <source>Check abandoned</source>
        <translation>Check abandoned</translation>
    </message>
    <message>
        <source>Graded %1</source>
        <translation>Graded %1</translation>
    </message>
    <message>
        <source>beneficiary %1</source>
        <translation>beneficiary %1</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>due %1</translation>
    </message>
    <message>
        <source>ref. %1</source>
        <translation>ref. %1</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>failing</translation>
    </message>
    <message>
        <source>erased ✓</source>
        <translation>erased ✓</translation>
    </message>
    <message>
        <source>erasure failed</source>
        <translation>erasure failed</translation>
    </message>
    <message>
        <source>not erased yet</source>
        <translation>not erased yet</translation>
    </message>
    <message>
        <source>Disks: %1</source>
        <translation>Disks: %1</translation>
    </message>
    <message>
        <source>Outcome: %1</source>
        <translation>Outcome: %1</translation>
    </message>
    <message>
        <source>Journey complete.</source>
        <translation>Journey complete.</translation>
    </message>
    <message>
        <source>Label printed</source>
        <translation>Label printed</translation>
    </message>
    <message>
        <source>Disk of computer %1</source>
        <translation>Disk of computer %1</translation>
    </message>
    <message>
        <source>Link to its computer removed</source>
        <translation>Link to its computer removed</translation>
    </message>
    <message>
        <source>Installation skipped: %1</source>
        <translation>Installation skipped: %1</translation>
    </message>
    <message>
        <source>Installation step done</source>
        <translation>Installation step done</translation>
    </message>
    <message>
        <source>System installed: %1</source>
        <translation>System installed: %1</translation>
    </message>
    <message>
        <source>Disk image written</source>
        <translation>Disk image written</translation>
    </message>
    <message>
        <source>Writing a disk image</source>
        <translation>Writing a disk image</translation>
    </message>
    <message>
        <source>Hardware inventory taken</source>
        <translation>Hardware inventory taken</translation>
    </message>
    <message>
        <source>Fact recorded</source>
        <translation>Fact recorded</translation>
    </message>
    <message>
        <source>Donation&apos;s certificate %1</source>
        <translation>Donation&apos;s certificate %1</translation>
    </message>
    <message>
        <source>Erasure report %1</source>
        <translation>Erasure report %1</translation>
    </message>
    <message>
        <source>Erasure certificate %1</source>
        <translation>Erasure certificate %1</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>opened</translation>
    </message>
    <message>
        <source>printed</source>
        <translation>printed</translation>
    </message>
    <message>
        <source>saved to a folder or a USB stick</source>
        <translation>saved to a folder or a USB stick</translation>
    </message>
    <message>
        <source>written to a file</source>
        <translation>written to a file</translation>
    </message>
    <message>
        <source>issued</source>
        <translation>issued</translation>
    </message>
    <message>
        <source>Erasure started</source>
        <translation>Erasure started</translation>
    </message>
    <message>
        <source>Pass %1 started</source>
        <translation>Pass %1 started</translation>
    </message>
    <message>
        <source>Pass %1 finished</source>
        <translation>Pass %1 finished</translation>
    </message>
    <message>
        <source>Erasure progress saved</source>
        <translation>Erasure progress saved</translation>
    </message>
    <message>
        <source>Erasure verified</source>
        <translation>Erasure verified</translation>
    </message>
    <message>
        <source>Erasure verification failed</source>
        <translation>Erasure verification failed</translation>
    </message>
    <message>
        <source>Erasure finished</source>
        <translation>Erasure finished</translation>
    </message>
    <message>
        <source>Drive&apos;s own erasure cancelled</source>
        <translation>Drive&apos;s own erasure cancelled</translation>
    </message>
    <message>
        <source>Erasure</source>
        <translation>Erasure</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Reuse</translation>
    </message>
    <message>
        <source>Spare parts</source>
        <translation>Spare parts</translation>
    </message>
    <message>
        <source>E-waste</source>
        <translation>E-waste</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>Donation to a beneficiary</source>
        <translation>Donation to a beneficiary</translation>
    </message>
    <message>
        <source>Loan</source>
        <translation>Loan</translation>
    </message>
    <message>
        <source>Rental</source>
        <translation>Rental</translation>
    </message>
    <message>
        <source>Solidarity sale</source>
        <translation>Solidarity sale</translation>
    </message>
    <message>
        <source>Recycling</source>
        <translation>Recycling</translation>
    </message>
    <message>
        <source>Choose the outcome</source>
        <translation>Choose the outcome</translation>
    </message>
    <message>
        <source>Where does %1 go?</source>
        <translation>Where does %1 go?</translation>
    </message>
    <message>
        <source>File number, never a name</source>
        <translation>File number, never a name</translation>
    </message>
    <message>
        <source>e.g. 45 or 45,50</source>
        <translation>e.g. 45 or 45,50</translation>
    </message>
    <message>
        <source>Number on the eco-organism&apos;s slip</source>
        <translation>Number on the eco-organism&apos;s slip</translation>
    </message>
    <message>
        <source>Beneficiary&apos;s reference</source>
        <translation>Beneficiary&apos;s reference</translation>
    </message>
    <message>
        <source>Return date</source>
        <translation>Return date</translation>
    </message>
    <message>
        <source>Price in €</source>
        <translation>Price in €</translation>
    </message>
    <message>
        <source>Eco-organism&apos;s reference</source>
        <translation>Eco-organism&apos;s reference</translation>
    </message>
    <message>
        <source>Comment (optional)</source>
        <translation>Comment (optional)</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Check again</translation>
    </message>
    <message>
        <source>See what to do</source>
        <translation>See what to do</translation>
    </message>
    <message>
        <source>How to plug it in</source>
        <translation>How to plug it in</translation>
    </message>
    <message>
        <source>Drive to recycle</source>
        <translation>Drive to recycle</translation>
    </message>
    <message>
        <source>Understood</source>
        <translation>Understood</translation>
    </message>
    <message>
        <source>Remove the Google account</source>
        <translation>Remove the Google account</translation>
    </message>
    <message>
        <source>The phone belongs to a company</source>
        <translation>The phone belongs to a company</translation>
    </message>
    <message>
        <source>Drive not erased</source>
        <translation>Drive not erased</translation>
    </message>
    <message>
        <source>What blocks</source>
        <translation>What blocks</translation>
    </message>
    <message>
        <source>Reconnect the phone over Wi-Fi</source>
        <translation>Reconnect the phone over Wi-Fi</translation>
    </message>
    <message>
        <source>Last address: %1</source>
        <translation>Last address: %1</translation>
    </message>
    <message>
        <source>Plug the device in</source>
        <translation>Plug the device in</translation>
    </message>
    <message>
        <source>Stop this job?</source>
        <translation>Stop this job?</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Erasure certificate</source>
        <translation>Erasure certificate</translation>
    </message>
    <message>
        <source>Handover sheet</source>
        <translation>Handover sheet</translation>
    </message>
    <message>
        <source>Attach the device to a donation first.</source>
        <translation>Attach the device to a donation first.</translation>
    </message>
    <message>
        <source>Donation report</source>
        <translation>Donation report</translation>
    </message>
    <message>
        <source>Donation&apos;s erasure certificate</source>
        <translation>Donation&apos;s erasure certificate</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>Save to a USB stick…</source>
        <translation>Save to a USB stick…</translation>
    </message>
    <message>
        <source>No program opens PDF files here: %1</source>
        <translation>No program opens PDF files here: %1</translation>
    </message>
    <message>
        <source>Sent to the printer: %1</source>
        <translation>Sent to the printer: %1</translation>
    </message>
    <message>
        <source>Where to save the document?</source>
        <translation>Where to save the document?</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Saved: %1</translation>
    </message>
    <message>
        <source>Certificates and sheets</source>
        <translation>Certificates and sheets</translation>
    </message>
    <message>
        <source>Install a system</source>
        <translation>Install a system</translation>
    </message>
    <message>
        <source>Which system to install?</source>
        <translation>Which system to install?</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Import from a USB stick</source>
        <translation>Import from a USB stick</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Install</translation>
    </message>
    <message>
        <source>Files expected: %1</source>
        <translation>Files expected: %1</translation>
    </message>
    <message>
        <source>Images ready and verified.</source>
        <translation>Images ready and verified.</translation>
    </message>
    <message>
        <source>The %1 system for this model (%2) is missing.</source>
        <translation>The %1 system for this model (%2) is missing.</translation>
    </message>
    <message>
        <source>Choose the USB stick or its folder</source>
        <translation>Choose the USB stick or its folder</translation>
    </message>
    <message>
        <source>Plug the device in first.</source>
        <translation>Plug the device in first.</translation>
    </message>
    <message>
        <source>Wait for the job in progress to end.</source>
        <translation>Wait for the job in progress to end.</translation>
    </message>
    <message>
        <source>Erase again</source>
        <translation>Erase again</translation>
    </message>
    <message>
        <source>Skip the installation…</source>
        <translation>Skip the installation…</translation>
    </message>
    <message>
        <source>No system from the workshop…</source>
        <translation>No system from the workshop…</translation>
    </message>
    <message>
        <source>Change its computer…</source>
        <translation>Change its computer…</translation>
    </message>
    <message>
        <source>This disk comes from a laptop…</source>
        <translation>This disk comes from a laptop…</translation>
    </message>
    <message>
        <source>Link another disk…</source>
        <translation>Link another disk…</translation>
    </message>
    <message>
        <source>Print the label again</source>
        <translation>Print the label again</translation>
    </message>
    <message>
        <source>Print the label</source>
        <translation>Print the label</translation>
    </message>
    <message>
        <source>Change the outcome…</source>
        <translation>Change the outcome…</translation>
    </message>
    <message>
        <source>Choose the outcome…</source>
        <translation>Choose the outcome…</translation>
    </message>
    <message>
        <source>Skip the installation</source>
        <translation>Skip the installation</translation>
    </message>
    <message>
        <source>Why does this computer get no system from the workshop?</source>
        <translation>Why does this computer get no system from the workshop?</translation>
    </message>
    <message>
        <source>Why does this phone keep its system?</source>
        <translation>Why does this phone keep its system?</translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>Not possible</translation>
    </message>
    <message>
        <source>Your workshop</source>
        <translation>Your workshop</translation>
    </message>
    <message>
        <source>Its name goes on every certificate.</source>
        <translation>Its name goes on every certificate.</translation>
    </message>
    <message>
        <source>e.g. Ressourcerie du Port</source>
        <translation>e.g. Ressourcerie du Port</translation>
    </message>
    <message>
        <source>Street, postcode, town</source>
        <translation>Street, postcode, town</translation>
    </message>
    <message>
        <source>Phone or e-mail</source>
        <translation>Phone or e-mail</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>How to reach you</source>
        <translation>How to reach you</translation>
    </message>
    <message>
        <source>This station</source>
        <translation>This station</translation>
    </message>
    <message>
        <source>Give it a short name, like “Station 1”.</source>
        <translation>Give it a short name, like “Station 1”.</translation>
    </message>
    <message>
        <source>Station 1</source>
        <translation>Station 1</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>Station name</translation>
    </message>
    <message>
        <source>Who works here?</source>
        <translation>Who works here?</translation>
    </message>
    <message>
        <source>Add each person: a name and a PIN of 4 to 8 digits.</source>
        <translation>Add each person: a name and a PIN of 4 to 8 digits.</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>First name</translation>
    </message>
    <message>
        <source>4 to 8 digits (optional)</source>
        <translation>4 to 8 digits (optional)</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Add this person</source>
        <translation>Add this person</translation>
    </message>
    <message>
        <source>Remove the chosen person</source>
        <translation>Remove the chosen person</translation>
    </message>
    <message>
        <source>with PIN</source>
        <translation>with PIN</translation>
    </message>
    <message>
        <source>Language of the station</source>
        <translation>Language of the station</translation>
    </message>
    <message>
        <source>Screens and documents use it.</source>
        <translation>Screens and documents use it.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>Label printer</translation>
    </message>
    <message>
        <source>Choose the printer, then print a test label.</source>
        <translation>Choose the printer, then print a test label.</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Printer</translation>
    </message>
    <message>
        <source>Print a test label</source>
        <translation>Print a test label</translation>
    </message>
    <message>
        <source>Set up a printer…</source>
        <translation>Set up a printer…</translation>
    </message>
    <message>
        <source>No printer yet: set one up.</source>
        <translation>No printer yet: set one up.</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>Test label sent: %1</source>
        <translation>Test label sent: %1</translation>
    </message>
    <message>
        <source>System for the phones</source>
        <translation>System for the phones</translation>
    </message>
    <message>
        <source>Installed on each phone once it is wiped.</source>
        <translation>Installed on each phone once it is wiped.</translation>
    </message>
    <message>
        <source>None: phones keep their own</source>
        <translation>None: phones keep their own</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>The collective (optional)</source>
        <translation>The collective (optional)</translation>
    </message>
    <message>
        <source>No code yet? Skip this page.</source>
        <translation>No code yet? Skip this page.</translation>
    </message>
    <message>
        <source>Given by the collective</source>
        <translation>Given by the collective</translation>
    </message>
    <message>
        <source>Enrolment code</source>
        <translation>Enrolment code</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>Hub address</translation>
    </message>
    <message>
        <source>Enrol this station</source>
        <translation>Enrol this station</translation>
    </message>
    <message>
        <source>Already enrolled with %1.</source>
        <translation>Already enrolled with %1.</translation>
    </message>
    <message>
        <source>Type the hub&apos;s address and the code.</source>
        <translation>Type the hub&apos;s address and the code.</translation>
    </message>
    <message>
        <source>Enrolling…</source>
        <translation>Enrolling…</translation>
    </message>
    <message>
        <source>Station enrolled (%1).</source>
        <translation>Station enrolled (%1).</translation>
    </message>
    <message>
        <source>Setting up Établi</source>
        <translation>Setting up Établi</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>Step %1 of %2</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Workshop</source>
        <translation>Workshop</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Station</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Operators</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>Phones</translation>
    </message>
    <message>
        <source>Collective</source>
        <translation>Collective</translation>
    </message>
    <message>
        <source>Grade the device</source>
        <translation>Grade the device</translation>
    </message>
    <message>
        <source>Check %1 by hand</source>
        <translation>Check %1 by hand</translation>
    </message>
    <message>
        <source>Works</source>
        <translation>Works</translation>
    </message>
    <message>
        <source>Does not work</source>
        <translation>Does not work</translation>
    </message>
    <message>
        <source>Record the grade</source>
        <translation>Record the grade</translation>
    </message>
    <message>
        <source>serial %1</source>
        <translation>serial %1</translation>
    </message>
    <message>
        <source>Scan or type the computer&apos;s code</source>
        <translation>Scan or type the computer&apos;s code</translation>
    </message>
    <message>
        <source>New laptop…</source>
        <translation>New laptop…</translation>
    </message>
    <message>
        <source>Brand</source>
        <translation>Brand</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Serial number</translation>
    </message>
    <message>
        <source>Register this laptop</source>
        <translation>Register this laptop</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Link</translation>
    </message>
    <message>
        <source>This disk comes from a computer</source>
        <translation>This disk comes from a computer</translation>
    </message>
    <message>
        <source>Which computer was disk %1 taken out of?</source>
        <translation>Which computer was disk %1 taken out of?</translation>
    </message>
    <message>
        <source>From no computer (remove the link)</source>
        <translation>From no computer (remove the link)</translation>
    </message>
    <message>
        <source>Link its disk</source>
        <translation>Link its disk</translation>
    </message>
    <message>
        <source>Which docked disk was taken out of %1?</source>
        <translation>Which docked disk was taken out of %1?</translation>
    </message>
    <message>
        <source>Dock its disk at the station first.</source>
        <translation>Dock its disk at the station first.</translation>
    </message>
</context>
<context>
    <name>BatchBar</name>
    <message>
        <source>Erase and install %1</source>
        <translation>Erase and install %1</translation>
    </message>
    <message>
        <source>All the %1</source>
        <translation>All the %1</translation>
    </message>
</context>
<context>
    <name>BatchSummaryView</name>
    <message>
        <source>Batch %1 · %2</source>
        <translation>Batch %1 · %2</translation>
    </message>
    <message numerus="yes">
        <source>%n done</source>
        <translation>
            <numerusform>%n done</numerusform>
            <numerusform>%n done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n waiting for you</source>
        <translation>
            <numerusform>%n waiting for you</numerusform>
            <numerusform>%n waiting for you</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n running</numerusform>
            <numerusform>%n running</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DeviceCard</name>
    <message>
        <source>TRAINING</source>
        <translation>TRAINING</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <source>Include in the batch</source>
        <translation>Include in the batch</translation>
    </message>
</context>
<context>
    <name>DevicePanel</name>
    <message>
        <source>Choose a device on the left, or scan its code.</source>
        <translation>Choose a device on the left, or scan its code.</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>TRAINING</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>Identity</translation>
    </message>
    <message>
        <source>What to do now</source>
        <translation>What to do now</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Abandon</source>
        <translation>Abandon</translation>
    </message>
    <message>
        <source>Other actions</source>
        <translation>Other actions</translation>
    </message>
    <message>
        <source>Certificates and sheets</source>
        <translation>Certificates and sheets</translation>
    </message>
    <message>
        <source>Donation documents</source>
        <translation>Donation documents</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Serial number</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Android</source>
        <translation>Android</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Storage</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>Plugged in</source>
        <translation>Plugged in</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>Donation</source>
        <translation>Donation</translation>
    </message>
    <message>
        <source>— not attached —</source>
        <translation>— not attached —</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>See what to do</source>
        <translation>See what to do</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Check again</translation>
    </message>
</context>
<context>
    <name>GradeBadge</name>
    <message>
        <source>Grade %1</source>
        <translation>Grade %1</translation>
    </message>
</context>
<context>
    <name>HandsetPanel</name>
    <message>
        <source>Simulated phone</source>
        <translation>Simulated phone</translation>
    </message>
    <message>
        <source>%1: press its keys as on a real phone.</source>
        <translation>%1: press its keys as on a real phone.</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>Power</translation>
    </message>
    <message>
        <source>Volume up</source>
        <translation>Volume up</translation>
    </message>
    <message>
        <source>Volume down</source>
        <translation>Volume down</translation>
    </message>
    <message>
        <source>Hold Power + Volume −</source>
        <translation>Hold Power + Volume −</translation>
    </message>
    <message>
        <source>Hold Power + Volume +</source>
        <translation>Hold Power + Volume +</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>Intake of a donation</source>
        <translation>Intake of a donation</translation>
    </message>
    <message>
        <source>1. The donation</source>
        <translation>1. The donation</translation>
    </message>
    <message>
        <source>New donor…</source>
        <translation>New donor…</translation>
    </message>
    <message>
        <source>Donor</source>
        <translation>Donor</translation>
    </message>
    <message>
        <source>Name of the company, body or person</source>
        <translation>Name of the company, body or person</translation>
    </message>
    <message>
        <source>New donor&apos;s name</source>
        <translation>New donor&apos;s name</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Company</translation>
    </message>
    <message>
        <source>Public body</source>
        <translation>Public body</translation>
    </message>
    <message>
        <source>Association</source>
        <translation>Association</translation>
    </message>
    <message>
        <source>Private person</source>
        <translation>Private person</translation>
    </message>
    <message>
        <source>Kind of donor</source>
        <translation>Kind of donor</translation>
    </message>
    <message>
        <source>Received on</source>
        <translation>Received on</translation>
    </message>
    <message>
        <source>e.g. agreement 2026-014</source>
        <translation>e.g. agreement 2026-014</translation>
    </message>
    <message>
        <source>Agreement reference</source>
        <translation>Agreement reference</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>Devices expected</source>
        <translation>Devices expected</translation>
    </message>
    <message>
        <source>2. A device of this donation</source>
        <translation>2. A device of this donation</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>Tablet</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>Laptop</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>Desktop computer</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Drive</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Brand</source>
        <translation>Brand</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Serial number</translation>
    </message>
    <message>
        <source>15 digits, phones only (*#06#)</source>
        <translation>15 digits, phones only (*#06#)</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Reuse</translation>
    </message>
    <message>
        <source>Spare parts</source>
        <translation>Spare parts</translation>
    </message>
    <message>
        <source>E-waste</source>
        <translation>E-waste</translation>
    </message>
    <message>
        <source>First look</source>
        <translation>First look</translation>
    </message>
    <message>
        <source>Yes, the same device</source>
        <translation>Yes, the same device</translation>
    </message>
    <message>
        <source>No, I correct it</source>
        <translation>No, I correct it</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>Write this code on the device:</source>
        <translation>Write this code on the device:</translation>
    </message>
    <message>
        <source>Register the device</source>
        <translation>Register the device</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Type the donor&apos;s name first.</source>
        <translation>Type the donor&apos;s name first.</translation>
    </message>
    <message>
        <source>Is it the same device as %1?</source>
        <translation>Is it the same device as %1?</translation>
    </message>
    <message>
        <source>Register the next device</source>
        <translation>Register the next device</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Établi — refurbishing bench</source>
        <translation>Établi — refurbishing bench</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>TRAINING</translation>
    </message>
    <message>
        <source>TRAINING MODE — simulated devices, nothing here is real or sent anywhere</source>
        <translation>TRAINING MODE — simulated devices, nothing here is real or sent anywhere</translation>
    </message>
    <message>
        <source>Scan or type a device code (e.g. ABCD-2345-X)</source>
        <translation>Scan or type a device code (e.g. ABCD-2345-X)</translation>
    </message>
    <message>
        <source>Intake of a donation</source>
        <translation>Intake of a donation</translation>
    </message>
    <message>
        <source>Change operator</source>
        <translation>Change operator</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Settings…</translation>
    </message>
    <message>
        <source>Simulated devices</source>
        <translation>Simulated devices</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>Training mode</translation>
    </message>
    <message>
        <source>Wi-Fi…</source>
        <translation>Wi-Fi…</translation>
    </message>
    <message>
        <source>Phone over Wi-Fi…</source>
        <translation>Phone over Wi-Fi…</translation>
    </message>
    <message>
        <source>Printers…</source>
        <translation>Printers…</translation>
    </message>
    <message>
        <source>Simulated devices for a demonstration; their records are marked as training</source>
        <translation>Simulated devices for a demonstration; their records are marked as training</translation>
    </message>
    <message>
        <source>Plug in a phone or a drive to begin.
It will appear here.</source>
        <translation>Plug in a phone or a drive to begin.
It will appear here.</translation>
    </message>
    <message>
        <source>managed by a company (MDM)</source>
        <translation>managed by a company (MDM)</translation>
    </message>
    <message>
        <source>worn battery</source>
        <translation>worn battery</translation>
    </message>
    <message>
        <source>rooted, bootloader unlocked</source>
        <translation>rooted, bootloader unlocked</translation>
    </message>
    <message>
        <source>never allows this station</source>
        <translation>never allows this station</translation>
    </message>
    <message>
        <source>unplugged during a command</source>
        <translation>unplugged during a command</translation>
    </message>
    <message>
        <source>very slow</source>
        <translation>very slow</translation>
    </message>
    <message>
        <source>answers nonsense</source>
        <translation>answers nonsense</translation>
    </message>
    <message>
        <source>does not answer</source>
        <translation>does not answer</translation>
    </message>
    <message>
        <source>Hard cases</source>
        <translation>Hard cases</translation>
    </message>
    <message>
        <source>Plug in an iPhone</source>
        <translation>Plug in an iPhone</translation>
    </message>
    <message>
        <source>Complete phone (installation)</source>
        <translation>Complete phone (installation)</translation>
    </message>
    <message>
        <source>healthy</source>
        <translation>healthy</translation>
    </message>
    <message>
        <source>Scenarios</source>
        <translation>Scenarios</translation>
    </message>
    <message>
        <source>Reset the class</source>
        <translation>Reset the class</translation>
    </message>
    <message>
        <source>Printed labels</source>
        <translation>Printed labels</translation>
    </message>
    <message numerus="yes">
        <source>%n erasure(s) running</source>
        <translation>
            <numerusform>%n erasure running</numerusform>
            <numerusform>%n erasures running</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n installation(s) running</source>
        <translation>
            <numerusform>%n installation running</numerusform>
            <numerusform>%n installations running</numerusform>
        </translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>locked by a Google account</source>
        <translation>locked by a Google account</translation>
    </message>
    <message>
        <source>slow</source>
        <translation>slow</translation>
    </message>
    <message>
        <source>Plug in a phone</source>
        <translation>Plug in a phone</translation>
    </message>
    <message>
        <source>Who is working: %1</source>
        <translation>Who is working: %1</translation>
    </message>
    <message>
        <source>Plug in a drive</source>
        <translation>Plug in a drive</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>failing</translation>
    </message>
    <message>
        <source>unplugged during the erasure</source>
        <translation>unplugged during the erasure</translation>
    </message>
    <message>
        <source>Unplug the selected device</source>
        <translation>Unplug the selected device</translation>
    </message>
    <message>
        <source>Plug the selected device back in</source>
        <translation>Plug the selected device back in</translation>
    </message>
    <message>
        <source>Show the simulated phone</source>
        <translation>Show the simulated phone</translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) plugged in</source>
        <translation>
            <numerusform>%n device plugged in</numerusform>
            <numerusform>%n devices plugged in</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n check(s) running</source>
        <translation>
            <numerusform>%n check running</numerusform>
            <numerusform>%n checks running</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) awaited</source>
        <translation>
            <numerusform>%n answer awaited</numerusform>
            <numerusform>%n answers awaited</numerusform>
        </translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>Not possible</translation>
    </message>
    <message>
        <source>You can resume it later.</source>
        <translation>You can resume it later.</translation>
    </message>
    <message>
        <source>It can no longer be resumed.</source>
        <translation>It can no longer be resumed.</translation>
    </message>
    <message>
        <source>at the end of its life (SMART failed)</source>
        <translation>at the end of its life (SMART failed)</translation>
    </message>
</context>
<context>
    <name>NetworkPhoneDialog</name>
    <message>
        <source>Phone over Wi-Fi</source>
        <translation>Phone over Wi-Fi</translation>
    </message>
    <message>
        <source>Type the address shown on the phone.</source>
        <translation>Type the address shown on the phone.</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>On the phone: Settings &gt; Developer options &gt; Wireless debugging. The IP address and port are written at the top.</source>
        <translation>On the phone: Settings &gt; Developer options &gt; Wireless debugging. The IP address and port are written at the top.</translation>
    </message>
    <message>
        <source>The phone and this station must be on the same Wi-Fi.</source>
        <translation>The phone and this station must be on the same Wi-Fi.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connect</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connecting…</translation>
    </message>
</context>
<context>
    <name>OperatorChooser</name>
    <message>
        <source>Who is working?</source>
        <translation>Who is working?</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Your first name</source>
        <translation>Your first name</translation>
    </message>
    <message>
        <source>A PIN of 4 to 8 digits (optional)</source>
        <translation>A PIN of 4 to 8 digits (optional)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>%1, type your PIN.</source>
        <translation>%1, type your PIN.</translation>
    </message>
</context>
<context>
    <name>PendingCard</name>
    <message>
        <source>USB debugging is off</source>
        <translation>USB debugging is off</translation>
    </message>
    <message>
        <source>Waiting for you to allow this station</source>
        <translation>Waiting for you to allow this station</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>In recovery mode</source>
        <translation>In recovery mode</translation>
    </message>
    <message>
        <source>Waiting for a system to install</source>
        <translation>Waiting for a system to install</translation>
    </message>
    <message>
        <source>Waiting for “Trust” on the iPhone</source>
        <translation>Waiting for “Trust” on the iPhone</translation>
    </message>
    <message>
        <source>The iPhone did not trust this station</source>
        <translation>The iPhone did not trust this station</translation>
    </message>
    <message>
        <source>Unlock the iPhone</source>
        <translation>Unlock the iPhone</translation>
    </message>
    <message>
        <source>In bootloader (fastboot) mode</source>
        <translation>In bootloader (fastboot) mode</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>%1 plugged in</source>
        <translation>%1 plugged in</translation>
    </message>
    <message>
        <source>Show me how</source>
        <translation>Show me how</translation>
    </message>
</context>
<context>
    <name>PrintedLabelsDialog</name>
    <message>
        <source>Printed labels</source>
        <translation>Printed labels</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>What the class printer printed, newest first.</source>
        <translation>What the class printer printed, newest first.</translation>
    </message>
    <message>
        <source>Nothing printed yet. Print a device&apos;s label.</source>
        <translation>Nothing printed yet. Print a device&apos;s label.</translation>
    </message>
</context>
<context>
    <name>PrinterDialog</name>
    <message>
        <source>Label printers</source>
        <translation>Label printers</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Printer</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>Labels</translation>
    </message>
    <message>
        <source>Test print</source>
        <translation>Test print</translation>
    </message>
    <message>
        <source>Print the label</source>
        <translation>Print the label</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>New printer…</source>
        <translation>New printer…</translation>
    </message>
    <message>
        <source>tcp://192.168.1.50 or usb://0x04f9:0x209b</source>
        <translation>tcp://192.168.1.50 or usb://0x04f9:0x209b</translation>
    </message>
    <message>
        <source>192.168.1.60:9100 or cups:QUEUE</source>
        <translation>192.168.1.60:9100 or cups:QUEUE</translation>
    </message>
    <message>
        <source>CUPS queue name (lpstat -p)</source>
        <translation>CUPS queue name (lpstat -p)</translation>
    </message>
    <message>
        <source>Folder for the files</source>
        <translation>Folder for the files</translation>
    </message>
    <message>
        <source>Printer saved.</source>
        <translation>Printer saved.</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>Sent to the printer: %1</source>
        <translation>Sent to the printer: %1</translation>
    </message>
</context>
<context>
    <name>StartupErrorWindow</name>
    <message>
        <source>Établi — the station cannot open</source>
        <translation>Établi — the station cannot open</translation>
    </message>
    <message>
        <source>Établi cannot open this station&apos;s data</source>
        <translation>Établi cannot open this station&apos;s data</translation>
    </message>
    <message>
        <source>The station&apos;s database is damaged: Établi cannot read it.</source>
        <translation>The station&apos;s database is damaged: Établi cannot read it.</translation>
    </message>
    <message>
        <source>Details for your supervisor: %1</source>
        <translation>Details for your supervisor: %1</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>Backups on this station</source>
        <translation>Backups on this station</translation>
    </message>
    <message>
        <source>No backup (.bak file) in %1.</source>
        <translation>No backup (.bak file) in %1.</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>What to do</translation>
    </message>
    <message>
        <source>Call your supervisor and show them this screen.</source>
        <translation>Call your supervisor and show them this screen.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Check the database: in a terminal, type this command:</source>
        <translation>Check the database: in a terminal, type this command:</translation>
    </message>
    <message>
        <source>Restore the last backup: with Établi closed, put %2 (and its -wal and -shm files) aside, then copy %1 as %2. What was done since its date is not in it.</source>
        <translation>Restore the last backup: with Établi closed, put %2 (and its -wal and -shm files) aside, then copy %1 as %2. What was done since its date is not in it.</translation>
    </message>
    <message>
        <source>There is no backup to restore: delete nothing.</source>
        <translation>There is no backup to restore: delete nothing.</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>Learn more</source>
        <translation>Learn more</translation>
    </message>
    <message>
        <source>Server unreachable, next try in %1 min</source>
        <translation>Server unreachable, next try in %1 min</translation>
    </message>
    <message>
        <source>Sync impossible: %1</source>
        <translation>Sync impossible: %1</translation>
    </message>
    <message numerus="yes">
        <source>Not synced yet · %n waiting</source>
        <translation>
            <numerusform>Not synced yet · %n waiting</numerusform>
            <numerusform>Not synced yet · %n waiting</numerusform>
        </translation>
    </message>
    <message>
        <source>Synced %1 min ago · %2 waiting</source>
        <translation>Synced %1 min ago · %2 waiting</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
</context>
</TS>
